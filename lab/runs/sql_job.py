"""SQL jobs at the lab level: the pool of spare children the SQL engine takes from.

The query runs in a child process under the job's limits (`jobs.engines.sql_engine`); the
data keys it is handed are unwrapped by the lab (`lab.runs.engines.LabInputs`), where the
master key is. The API and worker process never execute user SQL. One pool of warm spares
serves every worker thread of the process; `lab.work.pool.WorkerPool` warms it at start and
closes it at shutdown.
"""

from __future__ import annotations

import atexit
import sys
import threading
from pathlib import Path

import lab as lab_package
from jobs.sandbox.spare import Spares

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
