"""Start one sandboxed run: the descriptors bubblewrap reads (identity files, seccomp filter,
extra /etc files, its packed arguments, its info pipe), the run itself, and the clean-up of
those descriptors. Python and Spark jobs differ only in the arguments they pass here."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from jobs.sandbox import bwrap, seccomp
from jobs.sandbox.cgroups import JobCgroups
from jobs.sandbox.layout import Layout
from jobs.sandbox.logs import LogCapture
from jobs.sandbox.process import Finished, Rlimits, run

MIB = 1024 * 1024


def launch(
    base: Layout,
    mounts: bwrap.Mounts,
    entrypoint: str,
    *,
    env: Mapping[str, str],
    memory_mb: int,
    wall_seconds: float,
    rlimits: Rlimits,
    cgroups: JobCgroups | None,
    capture: LogCapture,
    inet: bool = False,
    tmp_share: int = 2,
    etc_files: Mapping[str, str] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> tuple[Finished, bool]:
    """Run the sandbox; how it ended, and whether the seccomp filter was applied.

    `inet` lets the job open IP sockets inside its own network namespace (Spark's gateway);
    /tmp gets 1/`tmp_share` of the memory limit."""
    passwd, group = bwrap.identity_files()
    info_read, info_write = os.pipe()
    fds = [info_read, info_write, bwrap.data_fd(passwd), bwrap.data_fd(group)]
    files = [(bwrap.data_fd(text.encode()), path) for path, text in (etc_files or {}).items()]
    fds += [fd for fd, _ in files]
    try:
        seccomp_fd = seccomp.filter_fd(inet=True) if inet else seccomp.filter_fd()
        if seccomp_fd is not None:
            fds.append(seccomp_fd)
        args = bwrap.argv(
            base, mounts, entrypoint, env=env, seccomp_fd=seccomp_fd,
            passwd_fd=fds[2], group_fd=fds[3], info_fd=info_write,
            tmp_bytes=max(64, memory_mb // tmp_share) * MIB, data_files=files,
        )  # fmt: skip
        args, args_fd = bwrap.packed(args)
        fds.append(args_fd)
        finished = run(
            args, pass_fds=fds[1:], limits=rlimits, cgroups=cgroups,
            wall_seconds=wall_seconds, capture=capture, info_fd=info_read, cancelled=cancelled,
        )  # fmt: skip
        return finished, seccomp_fd is not None
    finally:
        for fd in fds:
            os.close(fd)
