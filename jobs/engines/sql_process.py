"""Run one SQL job in a child process under the job's limits; the worker only watches.

DuckDB's `interrupt()` and `memory_limit` do not cover everything: functions that allocate
outside its buffer manager (`list()`, `repeat()`, `string_agg`, a large `range`/`unnest`)
ignore both. So the process is the boundary: the worker takes a warm spare
(`jobs.sandbox.spare`) and, before handing it the request (so before it reads any data),
puts it in the job's own cgroups (memory cap, task cap: `jobs.sandbox.cgroups`, as for
Python jobs) and sets its rlimits with prlimit(2): CPU seconds, file size, no core dumps,
and an address-space bound. Where cgroups cannot be made, the worker also polls the child's
resident memory and kills it past the cap. Then it waits for the child's answer, killing
its process group at the wall-clock deadline or when the job is cancelled.

However the child ends, a limit it hit ends the job with LimitExceeded, never a result.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jobs.engines.sql import SqlResult
from jobs.engines.sql_wire import DONE, SqlRequest, read_error, read_result
from jobs.errors import EngineRefused, JobCancelled, LimitExceeded
from jobs.sandbox.cgroups import CgroupUnavailable, JobCgroups
from jobs.sandbox.process import Rlimits
from jobs.sandbox.spare import Spare, SpareGone, Spares

MIB = 1024 * 1024
WALL_GRACE_SECONDS = 1.0
"""The child's own timer interrupts DuckDB at the wall clock; the worker kills it this much
later, whatever it is doing (a function deaf to interrupt())."""
PROCESS_OVERHEAD_MB = 64
"""Memory the child may use beyond the job's memory_mb: the result batches on their way to
the output file, the interpreter's own allocations after it was taken."""
ADDRESS_SPACE_HEADROOM_MB = 2048
"""Address space beyond what the child had reserved when taken (allocators and thread stacks
reserve far more than they touch): a backstop; the memory cgroup bounds what is used."""
FALLBACK_HEADROOM_MB = 1536
"""The same without cgroups, where address space and polled RSS are the only bounds (a
DuckDB connection alone reserves about 700 MB of address space)."""
BASE_TASKS = 32
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class ChildLimits:
    """How the child was confined, for the job's report."""

    cgroups: JobCgroups | None
    rss_cap: int | None  # bytes of resident memory past which the worker kills the child
    notes: tuple[str, ...]


def run_sql_child(
    request: SqlRequest,
    spares: Spares,
    *,
    label: str,
    cancelled: Callable[[], bool] = lambda: False,
    use_cgroups: bool = True,
) -> tuple[SqlResult, str]:
    """Run `request` in a child taken from `spares`; its result and the confinement notes.

    Raises LimitExceeded (wall clock, memory, CPU, rows), EngineRefused (the query was
    refused or failed, or the engine could not run), JobCancelled."""
    out_dir, temp_dir = Path(request.out_dir), Path(request.temp_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    limits = request.limits
    for attempt in range(3):
        spare = spares.take()
        confined: ChildLimits | None = None
        oom_kills = 0
        try:
            confined = confine(spare.pid, request, label=label, use_cgroups=use_cgroups)
            started = time.monotonic()
            spare.send(request.to_line())
            deadline = started + limits.wall_seconds + WALL_GRACE_SECONDS
            how = _watch(spare, deadline, cancelled, confined)
        except (SpareGone, ProcessLookupError):
            if attempt == 2:
                raise EngineRefused("the SQL engine's processes keep ending early") from None
            continue  # the spare died before it got its job: take another
        finally:
            spare.kill()
            if confined is not None and confined.cgroups is not None:
                confined.cgroups.kill_all()
                oom_kills = confined.cgroups.oom_kills()
                confined.cgroups.remove()
        break
    assert confined is not None
    notes = "; ".join(confined.notes)
    returncode = spare.returncode
    if how == "cancelled":
        raise JobCancelled("the job was cancelled while its query ran")
    if how == "timeout":
        raise LimitExceeded(f"the query ran longer than {limits.wall_seconds:g} s and was stopped")
    if how == "memory" or oom_kills:
        raise LimitExceeded(_memory_message(limits.memory_mb))
    error = read_error(out_dir)
    if error is not None:
        raise error
    result = read_result(out_dir, max_bytes=_result_bytes(limits.memory_mb))
    if result is not None and how == "done":
        return result, notes
    raise _ended_without_answer(returncode, limits.memory_mb, confined.cgroups is not None)


def confine(pid: int, request: SqlRequest, *, label: str, use_cgroups: bool) -> ChildLimits:
    """Put the child `pid` under the request's limits (before it is sent the request)."""
    limits = request.limits
    notes = [f"SQL in its own process (pid {pid}), DuckDB memory_limit={limits.memory_mb}MiB"]
    cap = (limits.memory_mb + PROCESS_OVERHEAD_MB) * MIB
    cgroups: JobCgroups | None = None
    if use_cgroups:
        try:
            cgroups = JobCgroups.create(
                f"sql-{label}", max_tasks=BASE_TASKS + limits.threads, memory_bytes=cap
            )
            cgroups.attach(pid)
            notes.append(cgroups.describe())
        except ProcessLookupError:
            if cgroups is not None:
                cgroups.remove()
            raise  # the child is gone: the caller takes another
        except (CgroupUnavailable, OSError) as exc:
            if cgroups is not None:
                cgroups.remove()
                cgroups = None
            notes.append(f"no cgroups ({exc})")
    headroom = ADDRESS_SPACE_HEADROOM_MB if cgroups is not None else FALLBACK_HEADROOM_MB
    status = _proc_status(pid)
    space = status.get("VmSize", 0) + (limits.memory_mb + headroom) * MIB
    cpu = int(_cpu_seconds(pid) + limits.wall_seconds * limits.threads) + 1
    spill = limits.spill_limit_mb + PROCESS_OVERHEAD_MB
    rlimits = Rlimits(
        address_space=space,
        cpu_seconds=cpu,
        file_size=max(spill, _result_bytes(limits.memory_mb) // MIB) * MIB,
        processes=None,
    )
    try:
        for which, values in rlimits.pairs():
            resource.prlimit(pid, which, values)
    except BaseException:
        if cgroups is not None:
            cgroups.remove()
        raise
    notes.append(f"rlimits AS={space // MIB}MiB CPU={cpu}s FSIZE={rlimits.file_size // MIB}MiB")
    rss_cap = None
    if cgroups is None:
        rss_cap = status.get("VmRSS", 0) + cap
        notes.append(f"resident memory polled, killed past {rss_cap // MIB}MiB")
    return ChildLimits(cgroups, rss_cap, tuple(notes))


def _watch(
    spare: Spare, deadline: float, cancelled: Callable[[], bool], confined: ChildLimits
) -> str:
    """Wait for the child's answer: "done" (it said so), "ended" (it exited without saying
    so), or why it was killed ("timeout", "cancelled", "memory")."""
    fd = spare.stdout_fd
    said = b""
    while True:
        if cancelled():
            spare.kill()
            return "cancelled"
        now = time.monotonic()
        if now >= deadline:
            spare.kill()
            return "timeout"
        if confined.rss_cap is not None and _proc_status(spare.pid).get("VmRSS", 0) > (
            confined.rss_cap
        ):
            spare.kill()
            return "memory"
        ready, _, _ = select.select([fd], [], [], min(POLL_SECONDS, deadline - now))
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b""
        said += chunk
        if DONE in said:
            return "done"  # no need to wait for its exit: the caller kills it
        if not chunk:
            if not spare.wait(max(0.0, min(5.0, deadline - time.monotonic()))):
                continue  # closed its answer pipe but still running: the deadline decides
            return "ended"


def _ended_without_answer(returncode: int | None, memory_mb: int, cgroups: bool) -> Exception:
    if returncode is not None and returncode < 0:
        sig = -returncode
        if sig == signal.SIGXCPU:
            return LimitExceeded("the query used more CPU time than its limit allows")
        if sig == signal.SIGXFSZ:
            return LimitExceeded("the query wrote more than it may (spill or result size)")
        if not cgroups and sig in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS):
            # under an address-space bound, a failed allocation in native code ends this way
            return LimitExceeded(_memory_message(memory_mb) + " (the engine stopped)")
        return EngineRefused(f"the SQL engine stopped unexpectedly (signal {sig})")
    return EngineRefused(f"the SQL engine ended without an answer (exit status {returncode})")


def _memory_message(memory_mb: int) -> str:
    return f"the query needed more than the {memory_mb} MB of memory it may use and was stopped"


def _result_bytes(memory_mb: int) -> int:
    return (memory_mb + PROCESS_OVERHEAD_MB) * MIB


def _proc_status(pid: int) -> dict[str, int]:
    """VmSize and VmRSS of `pid` in bytes (empty once it is gone)."""
    values: dict[str, int] = {}
    try:
        with Path(f"/proc/{pid}/status").open(encoding="ascii", errors="replace") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmSize", "VmRSS"):
                    values[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return values


def _cpu_seconds(pid: int) -> float:
    """CPU time `pid` has used so far (RLIMIT_CPU counts from the process's start)."""
    try:
        with Path(f"/proc/{pid}/stat").open(encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
