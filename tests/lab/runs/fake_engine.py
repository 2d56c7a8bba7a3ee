"""A fake Python engine: everything a Python job goes through but the sandbox itself.

It lives with the tests, not in `jobs.engines`, on purpose: a lab must never be able to
run a job unconfined, so no setting or registry of the package can select it. Tests put it
in place of `python` for the length of a `with fake_python():` block.

It is a `SandboxedEngine` like the real one: `prepare` materializes the decrypted inputs
and unpacks the bundle, `collect` reads the declared outputs bounded by the job's limits,
`cleanup` removes the folders. Only the launch differs: instead of running the entrypoint
in bubblewrap, it reads it as one Python literal, a dict that says what "the job" does:

    {
        "print": ["a line", ...],                       # the job's log
        "print_rows": ["merchants", 5],                 # print the input's first rows
        "tables": {                                     # outputs/<name>.parquet
            "by_city": {"count_by": ["merchants", "city"]},
            "copy": {"copy": "merchants", "columns": ["merchant_id", "city"]},
            "big": {"rows": 1_000_000},                 # a synthetic table of that size
        },
        "files": {"plot.png": b"...bytes..."},          # outputs/<file name>
        "metrics": {"rows": 700},                       # outputs/metrics.json
        "raise": ["KeyError", "text"],                  # fail with a traceback in the log
        "exceed": "memory" | "wall" | "cpu",            # end as the sandbox reports it
        "hang": True,                                   # until cancelled or the wall clock
    }
"""

from __future__ import annotations

import ast
import json
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jobs.engines.python import PythonLimits, PythonResult
from jobs.engines.python_status import outcome
from jobs.engines.sandboxed import SandboxedEngine
from jobs.errors import JobCancelled
from jobs.sandbox.process import Finished
from lab.runs.engines import ENGINES

CONFINEMENT = "fake engine: no sandbox (tests only)"
HANG_POLL_SECONDS = 0.02


class FakeEngine(SandboxedEngine):
    launches = 0  # how many programs ran, over all instances (a run must not repeat)

    def _launch(
        self,
        code: Path,
        entrypoint: str,
        inputs: Path,
        sandbox: Path,
        limits: PythonLimits,
        cancelled: Callable[[], bool],
    ) -> PythonResult:
        FakeEngine.launches += 1
        program: dict[str, Any] = ast.literal_eval((code / entrypoint).read_text("utf-8"))
        outputs = sandbox / "outputs"
        outputs.mkdir(parents=True, exist_ok=True, mode=0o700)
        started = time.monotonic()
        log = [f"{line}\n" for line in program.get("print", [])]
        if "print_rows" in program:
            alias, count = program["print_rows"]
            rows = pq.read_table(inputs / f"{alias}.parquet").slice(0, count).to_pylist()
            log.extend(f"{row}\n" for row in rows)
        for name, how in program.get("tables", {}).items():
            pq.write_table(_table(how, inputs), outputs / f"{name}.parquet")
        for name, content in program.get("files", {}).items():
            data = content if isinstance(content, bytes) else str(content).encode("utf-8")
            (outputs / name).write_bytes(data)
        if "metrics" in program:
            (outputs / "metrics.json").write_text(json.dumps(program["metrics"]), "utf-8")
        finished = Finished(0, False, 0.0)
        oom_kills = 0
        if "raise" in program:
            kind, text = program["raise"]
            log.append(
                "Traceback (most recent call last):\n"
                f'  File "/job/{entrypoint}", line 1, in <module>\n'
                f"{kind}: {text}\n"
            )
            finished = Finished(1, False, 0.0)
        exceed = program.get("exceed")
        if exceed == "memory":
            finished, oom_kills = Finished(128 + signal.SIGKILL, False, 0.0), 1
        elif exceed == "cpu":
            finished = Finished(128 + signal.SIGXCPU, False, 0.0)
        elif exceed == "wall":
            finished = Finished(None, True, limits.wall_seconds)
        if program.get("hang"):
            finished = _hang(started, limits, cancelled)
        text = "".join(log)
        status, message = outcome(finished, limits, text, oom_kills=oom_kills)
        return PythonResult(
            exit_code=finished.returncode,
            status=status,
            message=message,
            log=text,
            elapsed=time.monotonic() - started,
            outputs_dir=outputs,
            confinement=CONFINEMENT,
        )


def _hang(started: float, limits: PythonLimits, cancelled: Callable[[], bool]) -> Finished:
    """As the sandbox's watcher does: the wall clock, or a cancellation, ends the run."""
    while time.monotonic() - started < limits.wall_seconds:
        if cancelled():
            raise JobCancelled("the job was cancelled while its code ran")
        time.sleep(HANG_POLL_SECONDS)
    return Finished(None, True, limits.wall_seconds)


def _table(how: dict[str, Any], inputs: Path) -> pa.Table:
    if "count_by" in how:
        alias, column = how["count_by"]
        table = pq.read_table(inputs / f"{alias}.parquet")
        counts = table.group_by(column).aggregate([([], "count_all")])
        return counts.rename_columns([column, "n"]).select([column, "n"])
    if "copy" in how:
        table = pq.read_table(inputs / f"{how['copy']}.parquet")
        return table.select(how["columns"]) if "columns" in how else table
    if "rows" in how:
        numbers = pa.array(range(int(how["rows"])), pa.int64())
        return pa.table({"i": numbers, "twice": pc.multiply(numbers, 2)})
    return pa.table(how["values"])


@contextmanager
def fake_python() -> Iterator[type[FakeEngine]]:
    """Python jobs run on the fake engine inside the block, wherever bubblewrap is."""
    with ENGINES.replaced("python", FakeEngine):
        yield FakeEngine
