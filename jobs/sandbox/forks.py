"""The template: a process that has done its imports once and forks one child per job.

Starting a fresh interpreter and importing DuckDB and pyarrow costs over a second of CPU; a
worker running many small jobs would spend most of its time on that. So one process (the
template) pays it once, then, on request, forks a child that is ready at once. The template
holds nothing of any job: it never sees a query, a path or a key (a child gets those from
the worker, over its own pipe, after the fork), so no child inherits another's data.

The worker talks to the template over a Unix socket (the template's stdin). A request is
one byte with three descriptors attached (SCM_RIGHTS): the read end of the child's request
pipe, the write end of its answer pipe, and the write end of its status pipe. The template
forks; the child starts a session of its own, takes the request pipe as its stdin and runs
`child(answer_fd)`, which never returns. The template answers with the child's pid, keeps
the status pipe, and when it reaps the child writes its wait status there (the worker is
not the child's parent and could not learn it otherwise). EOF on the socket: the worker is
gone, and the template exits (its children notice their parent changed and end too).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
from collections.abc import Callable
from typing import NoReturn

REAP_SECONDS = 0.5
FORK = b"F"


def serve_forks(channel: socket.socket, child: Callable[[int], NoReturn]) -> int:
    """Fork a child for each request on `channel` until it closes; the template's exit status."""
    status_fds: dict[int, int] = {}
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)  # an ended child wakes the loop at once: its status is awaited
    try:
        while True:
            ready, _, _ = select.select([channel.fileno(), wake_r], [], [], REAP_SECONDS)
            if wake_r in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 512)
            _reap(status_fds)
            if channel.fileno() not in ready:
                continue
            message, fds, _flags, _addr = socket.recv_fds(channel, 16, 3)
            if not message:
                return 0
            if message != FORK or len(fds) != 3:
                for fd in fds:
                    os.close(fd)
                continue
            request_fd, answer_fd, status_fd = fds
            pid = os.fork()
            if pid == 0:
                inherited = [status_fd, wake_r, wake_w, *status_fds.values()]
                _become_child(channel, request_fd, answer_fd, inherited, child)
            os.close(request_fd)
            os.close(answer_fd)
            status_fds[pid] = status_fd
            channel.sendall(f"{pid}\n".encode("ascii"))
    finally:
        for pid, fd in status_fds.items():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.close(fd)


def _become_child(
    channel: socket.socket,
    request_fd: int,
    answer_fd: int,
    inherited: list[int],
    child: Callable[[int], NoReturn],
) -> NoReturn:
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        channel.close()
        for fd in inherited:  # the template's own: status pipes of other children, wake-up
            os.close(fd)
        os.setsid()
        os.dup2(request_fd, 0)
        os.close(request_fd)
        child(answer_fd)
    finally:
        os._exit(70)


def _reap(status_fds: dict[int, int]) -> None:
    while status_fds:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = status_fds.pop(pid, None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.write(fd, f"{os.waitstatus_to_exitcode(status)}\n".encode("ascii"))
            os.close(fd)
