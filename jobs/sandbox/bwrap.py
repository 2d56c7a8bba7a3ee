"""The bubblewrap command line of a job: namespaces, the file-system view, the uid drop.

bwrap runs as root without a user namespace, so it can bind any host path (the job's
directories under a private lab home included). It keeps only CAP_SETUID, CAP_SETGID and
CAP_SETPCAP for the first program inside, `setpriv`, which clears the groups, switches to the
sandbox uid/gid, empties the capability bounding, inheritable and ambient sets and execs the
interpreter: the job runs as an unprivileged uid with no capabilities and no_new_privs, in
new PID, network (only its own loopback), IPC, UTS and cgroup namespaces, on a read-only root.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from jobs.sandbox.layout import BOOT, LIB, SITE, Layout

SANDBOX_UID = 65534
SANDBOX_GID = 65534
TMP_BYTES = 256 * 1024 * 1024
PASSWD = "root:x:0:0::/:/bin/false\nnobody:x:65534:65534:sandbox:/workspace:/bin/false\n"  # noqa: S105
GROUP = "root:x:0:\nnogroup:x:65534:\n"


@dataclass(frozen=True)
class Mounts:
    bundle: Path
    inputs: Path
    workspace: Path
    # host directories bound read-only at absolute paths inside (a bridge's Unix socket)
    extra: tuple[tuple[Path, str], ...] = ()


def _threads() -> str:
    return str(max(1, min(os.cpu_count() or 1, 4)))


def base_env(extra: Mapping[str, str]) -> dict[str, str]:
    threads = _threads()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/workspace",
        "TMPDIR": "/tmp",  # noqa: S108 (the sandbox's private tmpfs)
        "LANG": "C.UTF-8",
        "USER": "nobody",
        "LOGNAME": "nobody",
        "PYTHONPATH": f"{LIB}:{SITE}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "MPLCONFIGDIR": "/tmp/matplotlib",  # noqa: S108
        "MPLBACKEND": "Agg",  # no display: plots are written to files
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "NUMEXPR_MAX_THREADS": threads,
        "ARROW_IO_THREADS": threads,
        "LOKY_MAX_CPU_COUNT": threads,  # joblib's count of cores runs no `cat` in the sandbox
    }
    env.update(extra)
    return env


def argv(
    layout: Layout,
    mounts: Mounts,
    entrypoint: str,
    *,
    env: Mapping[str, str],
    seccomp_fd: int | None,
    passwd_fd: int,
    group_fd: int,
    info_fd: int,
    tmp_bytes: int = TMP_BYTES,
    data_files: Sequence[tuple[int, str]] = (),
) -> list[str]:
    """The bwrap command; `/tmp` and `/dev/shm` are private tmpfs of `tmp_bytes` each (their
    pages count against the job's memory cgroup too). `data_files`: more read-only files
    made from descriptors (`data_fd`), as (descriptor, path inside)."""
    args = [
        "bwrap",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--hostname", "sandbox",
        "--die-with-parent", "--new-session", "--info-fd", str(info_fd),
        "--cap-drop", "ALL",
        "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP",
        "--clearenv",
    ]  # fmt: skip
    for name, value in base_env(env).items():
        args += ["--setenv", name, value]
    args += ["--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/tmp"]  # noqa: S108
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", str(tmp_bytes), "--tmpfs", "/dev/shm"]  # noqa: S108
    links = [link for _, link in layout.symlinks]
    for directory in _parents([dest for _, dest in layout.binds], links):
        args += ["--perms", "0755", "--dir", directory]
    for target, link in layout.symlinks:
        args += ["--symlink", target, link]
    for source, dest in layout.binds:
        args += ["--ro-bind", source, dest]
    for path in layout.masked:
        args += ["--perms", "0555", "--size", "4096", "--tmpfs", path]
    args += ["--perms", "0444", "--ro-bind-data", str(passwd_fd), "/etc/passwd"]
    args += ["--perms", "0444", "--ro-bind-data", str(group_fd), "/etc/group"]
    for fd, path in data_files:
        args += ["--perms", "0444", "--ro-bind-data", str(fd), path]
    args += ["--ro-bind", str(mounts.bundle), "/job"]
    args += ["--ro-bind", str(mounts.inputs), "/inputs"]
    args += ["--bind", str(mounts.workspace), "/workspace"]
    for inner in read_only_inside(mounts):
        args += ["--ro-bind", str(inner), f"/workspace/{inner.relative_to(mounts.workspace)}"]
    for folder, inside in mounts.extra:
        args += ["--perms", "0755", "--dir", inside, "--ro-bind", str(folder), inside]
    args += ["--chdir", "/", "--remount-ro", "/"]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    args += [
        "--",
        layout.setpriv,
        f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_GID}", "--clear-groups",
        "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--no-new-privs",
        "--",
        layout.python, "-I", "-S", "-B", "-u", BOOT, entrypoint,
    ]  # fmt: skip
    return args


def _parents(binds: list[str], links: list[str]) -> list[str]:
    """Directories holding the mount points, made world-searchable (bwrap would make 0700)."""
    wanted: set[str] = set()
    for path in [*binds, *links]:
        wanted.update(str(parent) for parent in PurePosixPath(path).parents)
    wanted.discard("/")
    inside_bind = [p for p in wanted if any(p == b or p.startswith(b + "/") for b in binds)]
    return sorted(wanted - set(inside_bind), key=lambda p: (p.count("/"), p))


def read_only_inside(mounts: Mounts) -> list[Path]:
    """Bundle or inputs that live inside the workspace stay read-only there too."""
    return [
        path
        for path in (mounts.bundle, mounts.inputs)
        if path != mounts.workspace and path.is_relative_to(mounts.workspace)
    ]


def packed(args: list[str]) -> tuple[list[str], int]:
    """`bwrap --args FD`: the options travel in a memfd, so that the sandbox's init, whose
    command line any process inside can read, shows neither host paths nor the environment.
    The command itself (after `--`) stays on the command line, where bwrap wants it."""
    split = args.index("--")
    fd = data_fd(b"".join(arg.encode() + b"\0" for arg in args[1:split]))
    return [args[0], "--args", str(fd), *args[split:]], fd


def identity_files() -> tuple[bytes, bytes]:
    return PASSWD.encode(), GROUP.encode()


def data_fd(data: bytes) -> int:
    fd = os.memfd_create("lab-sandbox-data", os.MFD_CLOEXEC)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
