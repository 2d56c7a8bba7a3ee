"""Warm spares: child processes started ahead of need, each used for one job and then gone.

A child that runs user work must be a fresh process (no state, no keys, nothing of the
worker's memory), but importing DuckDB and pyarrow costs most of a second. So a pool keeps
`keep` children started, their imports done, each waiting on its stdin for its one job. A
job takes one (`take`), and a replacement is started at once, at a lower CPU priority
(nice, where the worker may raise it again), so that its imports use what the running job
leaves free; the job's child is put back to normal priority when it is taken.

Children are started with `subprocess` (fork+exec in C, no `preexec_fn`: safe from a
threaded worker), in their own session (so a kill of their process group reaches all of
them), with a minimal environment (no secrets of the worker's). A spare whose parent goes
away sees EOF on its stdin and exits; `close` kills the spares still waiting.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from jobs.errors import EngineRefused

SPARE_NICE = 10
READY = b"ready\n"


class Spare:
    """One started child: its pipes, and whether it has said it is ready."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        self.proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            env=dict(env),
        )
        if _can_renice():
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, self.proc.pid, SPARE_NICE)
        self._seen = b""

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def stdout_fd(self) -> int:
        assert self.proc.stdout is not None
        return self.proc.stdout.fileno()

    def wait_ready(self, timeout: float) -> bool:
        """True once the child said it is ready; False if it died or stayed silent."""
        deadline = time.monotonic() + timeout
        while READY not in self._seen:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.stdout_fd], [], [], left)
            if ready:
                chunk = os.read(self.stdout_fd, 4096)
                if not chunk:
                    return False
                self._seen += chunk
        return True

    def wake(self) -> None:
        """Back to normal priority, every thread of it (the priority is per thread, and the
        threads started while it was a spare, Arrow's pool among them, kept the lower one)."""
        if not _can_renice():
            return
        try:
            tasks = [int(t.name) for t in Path(f"/proc/{self.pid}/task").iterdir()]
        except OSError:
            tasks = [self.pid]
        for task in tasks:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, task, 0)

    def send(self, line: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(line)
            self.proc.stdin.close()
        except BrokenPipeError:
            raise EngineRefused("the SQL engine's process ended before it got its job") from None

    def kill(self) -> None:
        """SIGKILL the child's process group and reap it."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


class Spares:
    """A pool of `keep` warm spares of one command."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        keep: int = 1,
        ready_timeout: float = 60.0,
    ) -> None:
        self.argv, self.env = tuple(argv), dict(env)
        self.keep, self.ready_timeout = keep, ready_timeout
        self._lock = threading.Lock()
        self._spares: list[Spare] = []
        self._closed = False

    def warm(self) -> None:
        """Start spares up to `keep` (they import in the background)."""
        with self._lock:
            self._refill()

    def take(self) -> Spare:
        """A ready child for one job, all to the caller; a replacement starts meanwhile.

        A spare that died while waiting is replaced; if a fresh child cannot get ready
        either, the engine refuses (EngineRefused)."""
        for _ in range(3):
            with self._lock:
                if self._closed:
                    raise EngineRefused("the SQL engine is shutting down")
                spare = self._spares.pop(0) if self._spares else Spare(self.argv, self.env)
                self._refill()
            if spare.wait_ready(self.ready_timeout):
                spare.wake()
                return spare
            spare.kill()
        raise EngineRefused("the SQL engine's process could not start")

    def close(self) -> None:
        """Kill the spares still waiting; `take` refuses from now on."""
        with self._lock:
            self._closed = True
            spares, self._spares = self._spares, []
        for spare in spares:
            spare.kill()

    def pids(self) -> list[int]:
        with self._lock:
            return [s.pid for s in self._spares]

    def _refill(self) -> None:
        self._spares = [s for s in self._spares if s.proc.poll() is None or _reap(s)]
        while not self._closed and len(self._spares) < self.keep:
            self._spares.append(Spare(self.argv, self.env))


def _can_renice() -> bool:
    """Only a privileged worker can give a spare its priority back: elsewhere spares are not
    lowered at all (a job must never run slowed down)."""
    return os.geteuid() == 0


def _reap(spare: Spare) -> bool:
    spare.kill()
    return False
