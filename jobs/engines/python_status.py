"""A finished sandbox run as a status and a message the job's submitter can read.

bwrap's init reports a job killed by signal N as exit code 128 + N; the memory cgroup counts
its OOM kills; `LAUNCH_FAILED` (125) or a `bwrap:` complaint means the sandbox never started.
"""

from __future__ import annotations

import signal
from typing import Protocol

from jobs.sandbox.process import LAUNCH_FAILED, Finished

_SIGNAL_REASONS: dict[int, str] = {
    signal.SIGXCPU: "CPU time limit of {cpu} s reached",
    signal.SIGXFSZ: "file size limit of {file} MiB reached",
    signal.SIGKILL: "killed (memory limit of {memory} MiB, or the process limit)",
    signal.SIGSEGV: "crashed (segmentation fault)",
}


class _Limits(Protocol):
    @property
    def wall_seconds(self) -> float: ...
    @property
    def memory_mb(self) -> int: ...
    @property
    def cpu_seconds(self) -> int: ...
    @property
    def max_file_mb(self) -> int: ...


def _last_error(log: str) -> str:
    """The last line of a traceback ('ValueError: ...'), if the log ends with one."""
    lines = [line for line in log.strip().splitlines() if line.strip()]
    if not lines or "Traceback (most recent call last):" not in log:
        return ""
    return lines[-1].strip()[:200]


def outcome(finished: Finished, limits: _Limits, log: str, *, oom_kills: int) -> tuple[str, str]:
    if finished.timed_out:
        return (
            "timeout",
            f"wall-clock limit of {limits.wall_seconds:g} s reached; the job was killed",
        )
    code = finished.returncode
    if code == 0:
        return "succeeded", "the job finished"
    if code == LAUNCH_FAILED or (code == 1 and log.startswith("bwrap:")):
        first = log.strip().splitlines()[0] if log.strip() else "no output"
        return "refused", f"the sandbox could not start: {first[:200]}"
    if oom_kills:
        return "killed", f"memory limit of {limits.memory_mb} MiB exceeded; the job was killed"
    if code is not None and code > 128:
        number = code - 128
        template = _SIGNAL_REASONS.get(number)
        if template is not None:
            reason = template.format(
                cpu=limits.cpu_seconds, file=limits.max_file_mb, memory=limits.memory_mb
            )
        else:
            reason = f"killed by signal {number}"
        return "killed", reason
    error = _last_error(log)
    return "failed", f"the job exited with code {code}" + (f": {error}" if error else "")
