"""The child process that runs exactly one SQL job, outside the worker that asked for it.

Children are forked from a template process (`jobs.sandbox.forks`) that imported DuckDB and
pyarrow and ran a warm-up query once. A child waits on its own pipe for its one
`SqlRequest`; by the time the request arrives the worker has put it under the job's limits
(cgroups, rlimits), so nothing the job reads or computes is charged to the worker. The child
opens the inputs with the keys it was handed (the caller supplies `open_input`: the jobs
library knows no key client), runs `run_sql`, writes its answer to the request's output
folder (`sql_wire`), says `done` on its answer pipe and exits. Whatever goes wrong is
written as a library error; an exception of another kind is reported by its type only,
since its message may quote data.

Two safety nets in the child itself: if its parent goes away (the template, whose own
parent is the worker), or the job's wall clock plus a grace period passes, it ends itself.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

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
from jobs.sandbox.forks import serve_forks

MAX_REQUEST_BYTES = 16 * 1024 * 1024
READY = b"ready\n"
SELF_DEADLINE_GRACE = 5.0

OpenInput = Callable[[InputFiles], InputTable]


def serve(open_input: OpenInput, warm_up: Callable[[], None] | None = None) -> int:
    """The template: warm up, say so, then fork one child per job (`jobs.sandbox.forks`).

    stdin is the worker's socket. `warm_up` (the caller's: a query over an encrypted file,
    say) runs with the library's own warm-up, so that no child pays for lazy set-up. File
    descriptor 1 is pointed away: nothing the engine prints (DuckDB's progress bar) can
    reach the worker, whose answers travel on pipes of their own."""
    _redirect(os.devnull, 1)
    warm_up_engine()
    if warm_up is not None:
        warm_up()
    channel = socket.socket(fileno=os.dup(0))
    _redirect(os.devnull, 0)
    channel.sendall(READY)
    return serve_forks(channel, functools.partial(_child, open_input))


def _child(open_input: OpenInput, answer_fd: int) -> NoReturn:
    """One forked child: read the one request on stdin, answer it, exit."""
    parent = os.getppid()
    line = _read_request()
    if not line.endswith(b"\n"):
        os._exit(0)  # the worker closed this spare unused (or sent something cut short)
    request = SqlRequest.from_line(line)
    out_dir = Path(request.out_dir)
    _watch_parent(parent, request.limits.wall_seconds + SELF_DEADLINE_GRACE)
    _redirect(str(out_dir / LOG_FILE), 1, 2)
    answer(request, open_input)
    os.write(answer_fd, DONE)
    os._exit(0)  # the answer is on disk; tearing down DuckDB and Arrow would only cost time


def _read_request() -> bytes:
    data = b""
    while not data.endswith(b"\n") and len(data) <= MAX_REQUEST_BYTES:
        chunk = os.read(0, 1 << 16)
        if not chunk:
            break
        data += chunk
    return data


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
