"""Start the sandbox under its limits and watch it: output, wall clock, exit.

No `preexec_fn` (unsafe in a threaded worker): a shell starts first and waits on its stdin;
meanwhile the parent puts it in the job's cgroups and sets its rlimits with prlimit(2); then
the shell execs bwrap, which with everything it starts inherits both. The job's stdout and
stderr share one pipe, read here under a cap until EOF; past the wall-clock deadline the
whole process group is killed (bwrap's init dies with it, and the PID namespace with it).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jobs.sandbox.cgroups import JobCgroups
from jobs.sandbox.logs import LogCapture

_GO = 'umask 022; IFS= read -r go && [ "$go" = go ] || exit 125; exec "$@" </dev/null'
LAUNCH_FAILED = 125


@dataclass(frozen=True)
class Rlimits:
    address_space: int
    cpu_seconds: int
    file_size: int
    processes: int | None  # only where no pids cgroup bounds them
    open_files: int = 4096

    def pairs(self) -> list[tuple[int, tuple[int, int]]]:
        limits = [
            (resource.RLIMIT_AS, (self.address_space, self.address_space)),
            (resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds + 1)),
            (resource.RLIMIT_FSIZE, (self.file_size, self.file_size)),
            (resource.RLIMIT_CORE, (0, 0)),
            (resource.RLIMIT_NOFILE, (self.open_files, self.open_files)),
        ]
        if self.processes is not None:
            limits.append((resource.RLIMIT_NPROC, (self.processes, self.processes)))
        return limits


@dataclass(frozen=True)
class Finished:
    returncode: int | None  # None when killed at the deadline or on cancellation
    timed_out: bool
    elapsed: float
    cancelled: bool = False  # killed because the job was cancelled while it ran


def _shell() -> str:
    return shutil.which("bash") or "/bin/sh"


def run(
    args: Sequence[str],
    *,
    pass_fds: Sequence[int],
    limits: Rlimits,
    cgroups: JobCgroups | None,
    wall_seconds: float,
    capture: LogCapture,
    info_fd: int,
    cancelled: Callable[[], bool] = lambda: False,
) -> Finished:
    """Run `args` (bwrap, writing its `--info-fd` to the pipe read by `info_fd`); killed at
    the wall clock, or within a fraction of a second of `cancelled()` turning true."""
    read_end, write_end = os.pipe()
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            [_shell(), "-c", _GO, "lab-sandbox", *args],
            stdin=subprocess.PIPE,
            stdout=write_end,
            stderr=write_end,
            pass_fds=tuple(pass_fds),
            start_new_session=True,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        )
    finally:
        os.close(write_end)
    init = _SandboxInit(info_fd)
    try:
        _confine(proc, limits, cgroups)
        return _watch(proc, read_end, start, wall_seconds, capture, init, cancelled)
    finally:
        os.close(read_end)
        _kill(proc)
        init.kill_and_wait()
        if cgroups is not None:
            cgroups.kill_all()


class _SandboxInit:
    """The sandbox's init, followed by pidfd. The kernel kills every process of a PID
    namespace when its init dies, and the init counts as exited only once they are all gone:
    so once its pidfd reports the exit, nothing of the job is left (with or without cgroups)."""

    def __init__(self, info_fd: int) -> None:
        self.info_fd = info_fd
        self.info = b""
        self.pidfd: int | None = None

    def feed(self) -> bool:
        """Read bwrap's info; False once it is complete (or bwrap closed the pipe)."""
        chunk = os.read(self.info_fd, 4096)
        self.info += chunk
        try:
            pid = int(json.loads(self.info)["child-pid"])
        except (ValueError, KeyError, TypeError):
            return bool(chunk)
        with contextlib.suppress(OSError):
            pidfd = os.pidfd_open(pid)
            if _in_child_namespace(pid):  # still the sandbox's init, not a reused pid
                self.pidfd = pidfd
            else:
                os.close(pidfd)
        return False

    def kill_and_wait(self, timeout: float = 5.0) -> None:
        if self.pidfd is None:
            return
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        with contextlib.suppress(OSError):
            select.select([self.pidfd], [], [], timeout)
        os.close(self.pidfd)
        self.pidfd = None


def _in_child_namespace(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("NSpid:"):
            return len(line.split()) > 2
    return False


def _confine(proc: subprocess.Popen[bytes], limits: Rlimits, cgroups: JobCgroups | None) -> None:
    assert proc.stdin is not None
    if cgroups is not None:
        cgroups.attach(proc.pid)
    for which, values in limits.pairs():
        resource.prlimit(proc.pid, which, values)
    proc.stdin.write(b"go\n")
    proc.stdin.close()


def _watch(
    proc: subprocess.Popen[bytes],
    fd: int,
    start: float,
    wall: float,
    capture: LogCapture,
    init: _SandboxInit,
    cancelled: Callable[[], bool],
) -> Finished:
    deadline = start + wall
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        selector.register(init.info_fd, selectors.EVENT_READ)
        open_pipe = True
        exited_at: float | None = None
        while True:
            now = time.monotonic()
            if now >= deadline:
                _kill(proc)
                _drain(fd, capture)
                return Finished(None, True, time.monotonic() - start)
            if cancelled():
                _kill(proc)
                _drain(fd, capture)
                return Finished(None, False, time.monotonic() - start, cancelled=True)
            if proc.poll() is not None:
                exited_at = exited_at or now
                # bwrap is gone; anything still holding the pipe gets a moment to be reaped
                if not open_pipe or now - exited_at > 1.0:
                    break
            ready = [key.fd for key, _ in selector.select(min(deadline - now, 0.2))]
            if init.info_fd in ready and not init.feed():
                selector.unregister(init.info_fd)
            if fd in ready:
                chunk = os.read(fd, 65536)
                if chunk:
                    capture.feed(chunk)
                else:
                    open_pipe = False
                    selector.unregister(fd)
            if not open_pipe:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(min(deadline - now, 0.2))
    return Finished(proc.returncode, False, time.monotonic() - start)


def _drain(fd: int, capture: LogCapture) -> None:
    os.set_blocking(fd, False)
    with contextlib.suppress(BlockingIOError, OSError):
        while chunk := os.read(fd, 65536):
            capture.feed(chunk)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)
