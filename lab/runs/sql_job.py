"""SQL jobs at the lab level: what the child process is handed, and the pool of spares.

The worker resolves each input to its files and its dataset-version key (unwrapped here,
where the master key is; only the data keys cross to the child), then runs the query in a
child process under the job's limits (`jobs.engines.sql_process`). The API and worker
process never execute user SQL. One pool of warm spares serves every worker thread of the
process; `lab.work.pool.WorkerPool` warms it at start and closes it at shutdown.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import lab as lab_package
from jobs.engines.sql import SqlLimits, SqlResult
from jobs.engines.sql_process import run_sql_child
from jobs.engines.sql_wire import InputFiles, SqlRequest
from jobs.sandbox.spare import Spares
from jobs.spec import JobSpec
from lab.context import Lab
from lab.runs.inputs import ResolvedInput
from lab.storage.catalog import ready_version
from lab.storage.reader import version_files
from lab.zones.rules import ZoneRules

MAX_SPARES = 4

_lock = threading.Lock()
_spares: Spares | None = None


def child_argv() -> list[str]:
    return [sys.executable, "-m", "lab.runs.sql_child"]


def child_env() -> dict[str, str]:
    """A minimal environment: the worker's may hold secrets (a master key variable)."""
    root = str(Path(lab_package.__file__).resolve().parent.parent)
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": root}


def sql_spares(keep: int | None = None) -> Spares:
    """The process's pool of SQL children (made on first use); `keep`: spares held ready."""
    global _spares
    with _lock:
        if _spares is None:
            _spares = Spares(child_argv(), child_env(), keep=1)
        if keep is not None:
            _spares.keep = max(1, min(keep, MAX_SPARES))
        return _spares


def close_sql_spares() -> None:
    """Kill the waiting spares (no orphans at shutdown); a later job starts a new pool."""
    global _spares
    with _lock:
        spares, _spares = _spares, None
    if spares is not None:
        spares.close()


atexit.register(close_sql_spares)


def sql_limits(spec: JobSpec, rules: ZoneRules) -> SqlLimits:
    return SqlLimits(
        wall_seconds=float(min(spec.resources.wall_seconds, rules.resources.max_wall_seconds)),
        max_rows=spec.resources.max_rows,
        memory_mb=min(spec.resources.memory_mb, rules.resources.max_memory_mb),
        threads=min(spec.resources.cpus, rules.resources.max_cpus),
    )


def input_files(lab: Lab, inputs: dict[str, ResolvedInput]) -> dict[str, InputFiles]:
    """Each input's files and the one data key that opens them."""
    files = {}
    with lab.read() as session:
        for alias, item in inputs.items():
            row = ready_version(session, item.version.id)
            paths = tuple(str(p) for p in version_files(lab.store.home, row))
            keys = lab.store.data_keys_for(session, [item.version.id])
            files[alias] = InputFiles(paths, keys)
    return files


def run_sql_job(
    lab: Lab,
    spec: JobSpec,
    inputs: dict[str, ResolvedInput],
    rules: ZoneRules,
    workspace: Path,
    *,
    cancelled: Callable[[], bool] = lambda: False,
) -> tuple[SqlResult, str]:
    """Run the job's query in a child process; its result and the confinement in force."""
    assert spec.code.query is not None
    entity_keys = {
        a: str(i.version.lineage["entity_key"])
        for a, i in inputs.items()
        if i.version.lineage.get("entity_key")
    }
    request = SqlRequest(
        query=spec.code.query,
        inputs=input_files(lab, inputs),
        limits=sql_limits(spec, rules),
        out_dir=str(workspace / "sql"),
        temp_dir=str(workspace / "tmp"),
        allowed_columns={a: tuple(i.columns) for a, i in inputs.items() if i.columns},
        entity_keys=entity_keys,
    )
    label = f"{workspace.name}-{os.getpid()}"
    return run_sql_child(request, sql_spares(), label=label, cancelled=cancelled)
