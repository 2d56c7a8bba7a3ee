"""A seccomp filter for sandboxed jobs, compiled with libseccomp through ctypes.

The filter allows everything except calls a data job has no use for and that widen the
attack surface of the kernel: sockets other than AF_UNIX (the network namespace already has
no route out; this also refuses netlink and raw packets), tracing other processes, BPF, new
namespaces, mounts, keyrings, kernel modules, io_uring and the like. Refused calls fail with
an errno rather than killing the job, so the job sees an ordinary Python exception. Calls of
a foreign architecture (32-bit `int 0x80`, x32) kill the process (libseccomp's default).

`filter_bytes()` returns the compiled BPF program that `bwrap --seccomp FD` loads, or None
with a reason when libseccomp is missing; the program is built once per process.

`inet=True` builds the variant for Spark jobs, whose Python driver talks to its JVM (and the
JVM to its Python workers) over TCP: AF_INET and AF_INET6 sockets are allowed as well as
AF_UNIX, every other family still fails with EAFNOSUPPORT, the rest of the filter is the
same. The network namespace is what keeps such a job off the network: its only interface is
its own loopback, with no route out, and the host's loopback is another namespace's.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import tempfile

_ACT_ALLOW = 0x7FFF0000
_CMP_NE = 1
_CMP_EQ = 4
_CMP_GT = 6
_CMP_MASKED_EQ = 7
_AF_UNSPEC = 0
_AF_UNIX = 1
_AF_INET = 2
_AF_INET6 = 10
_TIOCSTI = 0x5412

DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp",
    "bpf", "perf_event_open", "userfaultfd", "lookup_dcookie",
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "mount_setattr",
    "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
    "keyctl", "add_key", "request_key",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "swapon", "swapoff", "reboot", "acct", "syslog", "quotactl", "quotactl_fd",
    "name_to_handle_at", "open_by_handle_at",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "iopl", "ioperm", "uselib", "vhangup", "fanotify_init",
)  # fmt: skip
# clone() flags that create namespaces; clone3 passes its flags in memory, where a filter
# cannot look, so it answers ENOSYS and the C library falls back to clone().
_NAMESPACE_FLAGS = (
    0x00000080,  # CLONE_NEWTIME
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)


class _ArgCmp(ctypes.Structure):
    _fields_ = (
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    )


def _errno_action(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


def _load() -> ctypes.CDLL:
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    lib = ctypes.CDLL(name, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = (ctypes.c_uint32,)
    lib.seccomp_release.argtypes = (ctypes.c_void_p,)
    lib.seccomp_syscall_resolve_name.argtypes = (ctypes.c_char_p,)
    lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
    lib.seccomp_rule_add_array.argtypes = (
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    )
    lib.seccomp_export_bpf.argtypes = (ctypes.c_void_p, ctypes.c_int)
    return lib


class _Builder:
    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        self.ctx = lib.seccomp_init(_ACT_ALLOW)
        if not self.ctx:
            raise OSError("seccomp_init failed")

    def rule(self, action: int, name: str, *cmps: tuple[int, int, int, int]) -> None:
        number = self.lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:  # not a call of this architecture or kernel
            return
        array = (_ArgCmp * max(len(cmps), 1))(*(_ArgCmp(*cmp) for cmp in cmps))
        rc = self.lib.seccomp_rule_add_array(self.ctx, action, number, len(cmps), array)
        if rc < 0:
            raise OSError(-rc, f"seccomp rule for {name}: {os.strerror(-rc)}")

    def export(self) -> bytes:
        with tempfile.TemporaryFile() as out:
            rc = self.lib.seccomp_export_bpf(self.ctx, out.fileno())
            if rc < 0:
                raise OSError(-rc, f"seccomp_export_bpf: {os.strerror(-rc)}")
            out.seek(0)
            return out.read()

    def release(self) -> None:
        self.lib.seccomp_release(self.ctx)


def _socket_rules(builder: _Builder, *, inet: bool) -> None:
    refuse = _errno_action(errno.EAFNOSUPPORT)
    if not inet:
        builder.rule(refuse, "socket", (0, _CMP_NE, _AF_UNIX, 0))
        return
    # one comparison per rule (libseccomp ORs the rules): every family but 1, 2 and 10
    refused = [_AF_UNSPEC, *range(_AF_INET + 1, _AF_INET6)]
    for family in refused:
        builder.rule(refuse, "socket", (0, _CMP_EQ, family, 0))
    builder.rule(refuse, "socket", (0, _CMP_GT, _AF_INET6, 0))


def _compile(*, inet: bool = False) -> bytes:
    builder = _Builder(_load())
    try:
        for name in DENIED:
            builder.rule(_errno_action(errno.EPERM), name)
        _socket_rules(builder, inet=inet)
        for flag in _NAMESPACE_FLAGS:
            builder.rule(_errno_action(errno.EPERM), "clone", (0, _CMP_MASKED_EQ, flag, flag))
        builder.rule(_errno_action(errno.ENOSYS), "clone3")
        mask = 0xFFFFFFFF
        builder.rule(_errno_action(errno.EPERM), "ioctl", (1, _CMP_MASKED_EQ, mask, _TIOCSTI))
        return builder.export()
    finally:
        builder.release()


@functools.cache
def filter_bytes(*, inet: bool = False) -> bytes | str:
    """The compiled BPF program, or a string saying why there is none; `inet`: the variant
    that also allows AF_INET and AF_INET6 sockets (Spark jobs)."""
    try:
        return _compile(inet=inet)
    except OSError as exc:
        return f"seccomp filter unavailable ({exc})"


def filter_fd(*, inet: bool = False) -> int | None:
    """A fresh read-only descriptor holding the program (for `bwrap --seccomp`), or None."""
    program = filter_bytes(inet=inet)
    if isinstance(program, str):
        return None
    fd = os.memfd_create("lab-seccomp", os.MFD_CLOEXEC)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
