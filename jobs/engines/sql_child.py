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
import threading
import time
from collections.abc import Callable
from pathlib import Path

from jobs.engines.sql import InputTable, run_sql
from jobs.engines.sql_wire import (
    LOG_FILE,
    InputFiles,
    SqlRequest,
    write_error,
    write_result,
)
from jobs.errors import EngineRefused, JobError, LimitExceeded

MAX_REQUEST_BYTES = 16 * 1024 * 1024
READY = b"ready\n"
DONE = b"done\n"
SELF_DEADLINE_GRACE = 5.0

OpenInput = Callable[[InputFiles], InputTable]


def serve(open_input: OpenInput) -> int:
    """Announce readiness, run the one request that arrives, answer; the exit status."""
    out = sys.stdout.buffer
    out.write(READY)
    out.flush()
    parent = os.getppid()
    line = sys.stdin.buffer.readline(MAX_REQUEST_BYTES)
    if not line.endswith(b"\n"):
        return 0  # the pool closed this spare (or sent something cut short): nothing to do
    request = SqlRequest.from_line(line)
    out_dir = Path(request.out_dir)
    _watch_parent(parent, request.limits.wall_seconds + SELF_DEADLINE_GRACE)
    _log_to(out_dir / LOG_FILE)
    answer(request, open_input)
    out.write(DONE)
    out.flush()
    return 0


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
    except MemoryError:
        memory = request.limits.memory_mb
        write_error(out_dir, LimitExceeded(f"the query needed more than the {memory} MB"))
    except Exception as exc:  # its message may quote data: the type says enough
        write_error(out_dir, EngineRefused(f"the SQL engine failed ({type(exc).__name__})"))


def _watch_parent(parent: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds

    def watch() -> None:
        while os.getppid() == parent and time.monotonic() < deadline:
            time.sleep(0.2)
        os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _log_to(path: Path) -> None:
    """The engine's own stderr (native warnings, a crash's last words) into the job's
    folder, for an admin inside the zone; never shown to the submitter."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
