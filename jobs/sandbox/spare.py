"""Warm spares: children forked ahead of need from a template, each used for one job.

A child that runs user work must be a process of its own, holding nothing of the worker's
(no keys, no metastore, nothing of other jobs), but importing DuckDB and pyarrow costs over
a second of CPU. So the pool starts one template process (`jobs.sandbox.forks`: imports and
warm-up done once, then a fork per request) and keeps `keep` children forked from it, each
waiting on its own pipe for its one job. A job takes one (`take`) and a replacement is
forked at once (a fork costs milliseconds). A template that died is started again; a spare
that died is replaced.

The template is started with `subprocess` (fork+exec in C, no `preexec_fn`: safe from a
threaded worker), in a session of its own, with a minimal environment (no secrets of the
worker's). The worker is not the children's parent: it follows each child with a pidfd
(to kill it, and to see it end) and reads its exit status from a status pipe the template
writes when it reaps it. When the worker goes away, the template sees EOF and exits, and
its waiting children end with it; `close` does the same at once.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence

from jobs.errors import EngineRefused
from jobs.sandbox.forks import FORK

READY = b"ready\n"


class SpareGone(EngineRefused):
    """The spare ended before it was handed its job (another one can be taken)."""


class Spare:
    """One child forked from the template, waiting for its job."""

    def __init__(self, pid: int, request_fd: int, answer_fd: int, status_fd: int) -> None:
        self.pid = pid
        self.stdout_fd = answer_fd  # the child says `done` here
        self._request_fd: int | None = request_fd
        self._status_fd: int | None = status_fd
        self._pidfd: int | None = None
        with contextlib.suppress(OSError):
            self._pidfd = os.pidfd_open(pid)
        self.returncode: int | None = None

    def alive(self) -> bool:
        """Running, and its template still there to report its end (a spare orphaned by a
        template that died is not used)."""
        if self._pidfd is None or self._status_fd is None:
            return False
        ready, _, _ = select.select([self._pidfd, self._status_fd], [], [], 0)
        return not ready

    def send(self, line: bytes) -> None:
        if self._request_fd is None:
            raise EngineRefused("the SQL engine's process was already used")
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(self._request_fd, view) :]
        except BrokenPipeError:
            raise SpareGone("the SQL engine's process ended before it got its job") from None
        finally:
            os.close(self._request_fd)
            self._request_fd = None

    def wait(self, timeout: float) -> bool:
        """True once the child has ended (within `timeout`)."""
        if self._pidfd is None:
            return True
        ready, _, _ = select.select([self._pidfd], [], [], timeout)
        return bool(ready)

    def kill(self) -> None:
        """SIGKILL the child, wait for it to end, and collect its exit status."""
        if self._pidfd is not None:
            with contextlib.suppress(ProcessLookupError, OSError):
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            self.wait(5.0)
            os.close(self._pidfd)
            self._pidfd = None
        if self._status_fd is not None:
            ready, _, _ = select.select([self._status_fd], [], [], 2.0)
            text = os.read(self._status_fd, 64) if ready else b""
            with contextlib.suppress(ValueError):
                self.returncode = int(text.strip() or b"x")
            os.close(self._status_fd)
            self._status_fd = None
        for fd in (self._request_fd, self.stdout_fd):
            if fd is not None and fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._request_fd, self.stdout_fd = None, -1


class Template:
    """The process children are forked from."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.proc = subprocess.Popen(
                list(argv),
                stdin=theirs.fileno(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                close_fds=True,
                env=dict(env),
            )
        finally:
            theirs.close()
        self.channel = ours
        self._said = b""

    def wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while READY not in self._said:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.channel], [], [], max(0.0, left))
            if not ready:
                return False
            chunk = self.channel.recv(4096)
            if not chunk:
                return False
            self._said += chunk
        return True

    def fork(self) -> Spare:
        request_r, request_w = os.pipe()
        answer_r, answer_w = os.pipe()
        status_r, status_w = os.pipe()
        try:
            socket.send_fds(self.channel, [FORK], [request_r, answer_w, status_w])
            pid = self._read_pid()
        except OSError as exc:
            for fd in (request_w, answer_r, status_r):
                os.close(fd)
            raise EngineRefused(f"the SQL engine could not start a process ({exc})") from None
        finally:
            for fd in (request_r, answer_w, status_w):
                os.close(fd)
        return Spare(pid, request_w, answer_r, status_r)

    def _read_pid(self) -> int:
        line = b""
        while not line.endswith(b"\n"):
            ready, _, _ = select.select([self.channel], [], [], 10.0)
            chunk = self.channel.recv(64) if ready else b""
            if not chunk:
                raise OSError("the template did not answer")
            line += chunk
        return int(line)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.channel.close()  # the template exits on EOF, killing its waiting children
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


class Spares:
    """`keep` children forked ahead of need from one template."""

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
        self._template: Template | None = None
        self._spares: list[Spare] = []
        self._closed = False

    def warm(self) -> None:
        """Start the template, wait until it is ready, fork spares up to `keep`."""
        with self._lock:
            self._refill()

    def take(self) -> Spare:
        """A child for one job, all to the caller; a replacement is forked meanwhile.

        A spare that died while waiting is replaced; if the template cannot get ready, the
        engine refuses (EngineRefused)."""
        with self._lock:
            if self._closed:
                raise EngineRefused("the SQL engine is shutting down")
            self._refill()
            spare = self._spares.pop(0)
            self._refill()
            return spare

    def close(self) -> None:
        """Kill the spares still waiting and stop the template; `take` refuses from now on."""
        with self._lock:
            self._closed = True
            spares, self._spares = self._spares, []
            template, self._template = self._template, None
        for spare in spares:
            spare.kill()
        if template is not None:
            template.stop()

    def pids(self) -> list[int]:
        """The template's and the waiting spares' process ids."""
        with self._lock:
            template = [self._template.proc.pid] if self._template is not None else []
            return template + [s.pid for s in self._spares]

    def _refill(self) -> None:
        if self._closed:
            return
        for spare in [s for s in self._spares if not s.alive()]:
            spare.kill()
            self._spares.remove(spare)
        while len(self._spares) < self.keep or not self._spares:
            try:
                spare = self._ready_template().fork()
            except EngineRefused:  # the template died since it was last asked: once more
                spare = self._ready_template(restart=True).fork()
            self._spares.append(spare)

    def _ready_template(self, *, restart: bool = False) -> Template:
        if self._template is not None and self._template.alive() and not restart:
            return self._template
        if self._template is not None:
            self._template.stop()
        template = Template(self.argv, self.env)
        if not template.wait_ready(self.ready_timeout):
            template.stop()
            raise EngineRefused("the SQL engine's process could not start")
        self._template = template
        return template
