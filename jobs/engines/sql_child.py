"""The child process that runs exactly one SQL job, outside the worker that asked for it.

It is started ahead of need (a warm spare: DuckDB and pyarrow take most of a second to
import), says `ready` on stdout, and waits on stdin for its one `SqlRequest`. By the time the
request arrives the worker has put the child under the job's limits (cgroups, rlimits), so
nothing the job reads or computes is charged to the worker. The child opens the inputs with
the keys it was handed (the caller supplies `open_input`: the jobs library knows no key
client), runs `run_sql`, writes its answer to the request's output folder (`sql_wire`),
says `done` and exits. Whatever goes wrong is written as a library error; an exception of
another kind is reported by its type only, since its message may quote data.

Two safety nets in the child itself: if the worker goes away (its parent pid changes), or
the job's wall clock plus a grace period passes, the child ends itself.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from jobs.engines.sql import InputTable, SqlLimits, run_sql
from jobs.engines.sql_wire import (
    DONE,
    LOG_FILE,
    InputFiles,
    SqlRequest,
    write_error,
    write_result,
)
from jobs.errors import EngineRefused, JobError, LimitExceeded

MAX_REQUEST_BYTES = 16 * 1024 * 1024
READY = b"ready\n"
SELF_DEADLINE_GRACE = 5.0

OpenInput = Callable[[InputFiles], InputTable]


def serve(open_input: OpenInput, warm_up: Callable[[], None] | None = None) -> int:
    """Warm up, announce readiness, run the one request that arrives, answer and exit.

    `warm_up` (the caller's: a query over an encrypted file, say) runs with the library's
    own warm-up before the child says it is ready. The answer goes over a private copy of
    stdout: file descriptor 1 itself is pointed elsewhere, so that nothing the engine prints
    (DuckDB's progress bar) can reach the worker."""
    control = os.fdopen(os.dup(1), "wb", buffering=0)
    _redirect(os.devnull, 1)
    warm_up_engine()
    if warm_up is not None:
        warm_up()
    control.write(READY)
    parent = os.getppid()
    line = sys.stdin.buffer.readline(MAX_REQUEST_BYTES)
    if not line.endswith(b"\n"):
        return 0  # the pool closed this spare (or sent something cut short): nothing to do
    request = SqlRequest.from_line(line)
    out_dir = Path(request.out_dir)
    _watch_parent(parent, request.limits.wall_seconds + SELF_DEADLINE_GRACE)
    _redirect(str(out_dir / LOG_FILE), 1, 2)
    answer(request, open_input)
    control.write(DONE)
    os._exit(0)  # the answer is on disk; tearing down DuckDB and Arrow would only cost time


def answer(request: SqlRequest, open_input: OpenInput) -> None:
    """Run the request and write its result or error to its output folder."""
    out_dir = Path(request.out_dir)
    try:
        tables = {alias: open_input(files) for alias, files in request.inputs.items()}
        result = run_sql(
            request.query,
            tables,
            limits=request.limits,
            temp_dir=Path(request.temp_dir),
            allowed_columns=request.allowed_columns or None,
            truncate=request.truncate,
            entity_keys=request.entity_keys or None,
        )
        write_result(out_dir, result)
    except JobError as exc:
        write_error(out_dir, exc)
    except (MemoryError, duckdb.OutOfMemoryException):  # outside run_sql's own mapping
        memory = request.limits.memory_mb
        message = f"the query needed more than the {memory} MB of memory it may use"
        write_error(out_dir, LimitExceeded(message))
    except Exception as exc:  # its message may quote data: the type says enough
        write_error(out_dir, EngineRefused(f"the SQL engine failed ({type(exc).__name__})"))


def warm_up_engine() -> None:
    """One tiny query through the whole engine: the first query of a process pays for lazy
    imports (the SQL dialect, DuckDB's first connection) that no job should wait for."""
    with tempfile.TemporaryDirectory(prefix="lab-sql-warm-") as tmp:
        table = pa.table({"x": [1, 2]})
        limits = SqlLimits(wall_seconds=10, max_rows=10, memory_mb=64)
        run_sql("SELECT count(*) AS n FROM t", {"t": table}, limits=limits, temp_dir=Path(tmp))


def _watch_parent(parent: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds

    def watch() -> None:
        while os.getppid() == parent and time.monotonic() < deadline:
            time.sleep(0.2)
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _redirect(path: str, *fds: int) -> None:
    """Point `fds` at `path`: the engine's own output (native warnings, a crash's last
    words) goes to the job's folder, for an admin inside the zone; never to the submitter."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        for target in fds:
            os.dup2(fd, target)
        os.close(fd)
