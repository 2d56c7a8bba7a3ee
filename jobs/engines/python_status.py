"""A finished sandbox run as a status and a message the job's submitter can read.

bwrap's init reports a job killed by signal N as exit code 128 + N; the memory cgroup counts
its OOM kills; `LAUNCH_FAILED` (125) or a `bwrap:` complaint means the sandbox never started.
A failed job's message names the exception's class only (the lab redacts it as well).
"""

from __future__ import annotations

import re
import signal
from typing import Protocol

from jobs.sandbox.process import LAUNCH_FAILED, Finished

_EXCEPTION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?::|$)")
_MAX_CLASS_CHARS = 100
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


def _exception_class(log: str) -> str:
    """The class of the exception a traceback at the end of the log names ('KeyError'), never
    its text: `KeyError('Zhang San')` would carry a value of the data into the message. The
    class is read from the first unindented line after the last traceback's frames (an
    exception's text may run over several lines); anything but a dotted Python name there
    gives nothing. The full traceback stays in the log."""
    header = "Traceback (most recent call last):"
    at = log.rfind(header)
    if at < 0:
        return ""
    for line in log[at + len(header) :].splitlines():
        if not line.strip() or line[0].isspace():
            continue  # frames and their source lines are indented
        match = _EXCEPTION.match(line)
        return match.group(1)[:_MAX_CLASS_CHARS] if match else ""
    return ""


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
    error = _exception_class(log)
    return "failed", f"the job exited with code {code}" + (f": {error}" if error else "")
