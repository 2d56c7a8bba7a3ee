"""Jobs that try to escape or exhaust the sandbox: each must fail or be contained.

Every attack prints ESCAPED if it gets what it wanted; the job must instead end with one of
the expected statuses, having met the expected error, and the test then checks from the
outside (the listener got no connection, no process survived, the host still works).
"""

from __future__ import annotations

import re
import socket
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jobs.engines.python import PythonLimits, PythonResult
from jobs.sandbox import seccomp
from jobs.sandbox.cgroups import CgroupUnavailable, JobCgroups
from tests.jobs.python.conftest import QUICK, JobDirs, needs_sandbox, processes_with

pytestmark = needs_sandbox

MASTER_KEY = "bWFzdGVyLWtleS1vZi10aGUtbGFiLWRvLW5vdC1sZWFr"


@dataclass
class Targets:
    """What the attacks aim at: a listener on loopback, a key and another tenant's data."""

    listener: socket.socket
    key_file: Path
    other_tenant: Path

    def fill(self, code: str, marker: str) -> str:
        return (
            textwrap.dedent(code)
            .replace("@PORT@", str(self.listener.getsockname()[1]))
            .replace("@KEY_FILE@", str(self.key_file))
            .replace("@OTHER_TENANT@", str(self.other_tenant))
            .replace("@MARKER@", marker)
        )


@pytest.fixture
def targets(tmp_path: Path) -> Iterator[Targets]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    key_file = tmp_path / "lab-home" / "keys" / "master.key"
    key_file.parent.mkdir(parents=True)
    key_file.write_text(MASTER_KEY)
    other = tmp_path / "lab-home" / "tenants" / "other" / "sandbox" / "datasets"
    other.mkdir(parents=True)
    (other / "merchants.parquet").write_bytes(b"PAR1 someone else's rows")
    yield Targets(listener, key_file, other)
    listener.close()


def escaped(result: PythonResult) -> bool:
    """Whether the job printed ESCAPED (a traceback quoting the source line does not count)."""
    return re.search(r"^ESCAPED", result.log, re.MULTILINE) is not None


def no_connection_reached(targets: Targets, result: PythonResult, job: JobDirs) -> None:
    targets.listener.setblocking(False)
    with pytest.raises(BlockingIOError):
        targets.listener.accept()


def failed_fast(targets: Targets, result: PythonResult, job: JobDirs) -> None:
    assert result.elapsed < 5


def nothing_survives(targets: Targets, result: PythonResult, job: JobDirs) -> None:
    assert processes_with(job.marker) == []
    assert subprocess.run(["true"], check=False).returncode == 0  # the host can still fork


def timed_out_in_time(targets: Targets, result: PythonResult, job: JobDirs) -> None:
    assert result.exit_code is None
    assert result.elapsed < 2 + 2  # wall_seconds + 2


def key_not_leaked(targets: Targets, result: PythonResult, job: JobDirs) -> None:
    assert MASTER_KEY not in result.log


@dataclass(frozen=True)
class Attack:
    name: str
    code: str
    statuses: tuple[str, ...] = ("failed",)
    error: str = ""  # what the job must have met (in its log or message)
    limits: PythonLimits = QUICK
    check: Callable[[Targets, PythonResult, JobDirs], None] | None = None
    env: dict[str, str] = field(default_factory=dict)


ATTACKS = [
    Attack(
        "tcp to a listener on the host's loopback",
        """
        import socket
        socket.create_connection(("127.0.0.1", @PORT@), timeout=3)
        print("ESCAPED")
        """,
        error="Error",
        check=no_connection_reached,
    ),
    Attack(
        "tcp to an outside address",
        """
        import socket
        socket.create_connection(("10.255.255.1", 80), timeout=3)
        print("ESCAPED")
        """,
        error="OSError",
        check=failed_fast,
    ),
    Attack(
        "resolve a name",
        """
        import socket
        socket.getaddrinfo("pypi.org", 443)
        print("ESCAPED")
        """,
        error="gaierror",
        check=failed_fast,
    ),
    Attack(
        "udp datagram out",
        """
        import socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"x", ("8.8.8.8", 53))
        print("ESCAPED")
        """,
        error="OSError",
    ),
    Attack(
        "netlink and raw packet sockets",
        """
        import socket
        for family in (socket.AF_NETLINK, socket.AF_PACKET):
            try:
                socket.socket(family, socket.SOCK_RAW)
                print("ESCAPED")
            except OSError as exc:
                print("refused", exc)
        raise SystemExit(1)
        """,
        error="refused",
    ),
    Attack(
        "read /etc/shadow",
        "print(open('/etc/shadow').read()); print('ESCAPED')",
        error="FileNotFoundError",
    ),
    Attack(
        "read the lab's master key",
        "print(open('@KEY_FILE@').read()); print('ESCAPED')",
        error="FileNotFoundError",
        check=key_not_leaked,
    ),
    Attack(
        "list another tenant's datasets",
        "import os; print(os.listdir('@OTHER_TENANT@')); print('ESCAPED')",
        error="FileNotFoundError",
    ),
    Attack(
        "read the host's home and lab code",
        "import os; print(os.listdir('/root/.ssh') + os.listdir('/work')); print('ESCAPED')",
        error="FileNotFoundError",
    ),
    Attack(
        "see cgroups and the host's /sys",
        "import os; print(os.listdir('/sys/fs/cgroup')); print('ESCAPED')",
        error="FileNotFoundError",
    ),
    Attack(
        "see host processes",
        """
        import os
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        for pid in pids:
            try:
                if b"pytest" in open(f"/proc/{pid}/cmdline", "rb").read():
                    print("ESCAPED")
            except OSError:
                pass
        raise SystemExit(f"only {len(pids)} processes visible")
        """,
        error="processes visible",
    ),
    Attack(
        "write into the code bundle",
        "open('/job/evil.py', 'w').write('x'); print('ESCAPED')",
        error="Read-only file system",
    ),
    Attack(
        "write into the inputs",
        "open('/inputs/evil.parquet', 'w').write('x'); print('ESCAPED')",
        error="Read-only file system",
    ),
    Attack(
        "write at the root",
        "open('/evil', 'w').write('x'); print('ESCAPED')",
        error="Read-only file system",
    ),
    Attack(
        "write into the interpreter's libraries",
        """
        import os
        open(os.path.dirname(os.__file__) + '/evil.py', 'w').write('x')
        print('ESCAPED')
        """,
        error="Read-only file system",
    ),
    Attack(
        "become root",
        "import os; os.setuid(0); print('ESCAPED')",
        error="PermissionError",
    ),
    Attack(
        "kill the sandbox's init",
        "import os, signal; os.kill(1, signal.SIGKILL); print('ESCAPED')",
        error="PermissionError",
    ),
    Attack(
        "new user namespace, mount, ptrace",
        """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        CLONE_NEWUSER, CLONE_NEWNS, PTRACE_ATTACH = 0x10000000, 0x20000, 16
        calls = {
            "unshare(user)": lambda: libc.unshare(CLONE_NEWUSER),
            "unshare(mount)": lambda: libc.unshare(CLONE_NEWNS),
            "mount": lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None),
            "ptrace": lambda: libc.ptrace(PTRACE_ATTACH, 1, None, None),
        }
        for name, call in calls.items():
            if call() == 0:
                print("ESCAPED", name)
            else:
                print(name, "refused:", os.strerror(ctypes.get_errno()))
        raise SystemExit(1)
        """,
        error="unshare(user) refused: Operation not permitted",
    ),
    Attack(
        "fork bomb",
        """
        import os
        while True:
            os.fork()
        """,
        statuses=("failed", "killed"),
        error="Resource temporarily unavailable",
        check=nothing_survives,
    ),
    Attack(
        "subprocess bomb",
        """
        import subprocess, sys
        children = []
        while True:
            sleeper = [sys.executable, "-c", "import time; time.sleep(60)", "@MARKER@"]
            children.append(subprocess.Popen(sleeper))
        """,
        statuses=("failed", "killed"),
        error="Error",
        check=nothing_survives,
    ),
    Attack(
        "allocate 10 GB at once",
        "block = bytearray(10 * 1024**3); print('ESCAPED')",
        error="MemoryError",
        limits=PythonLimits(wall_seconds=20, memory_mb=256, cpu_seconds=20),
    ),
    Attack(
        "grow memory until something gives",
        """
        chunks = []
        for _ in range(100):
            chunks.append(b"\\x01" * (64 * 2**20))
        print("ESCAPED")
        """,
        statuses=("killed", "failed"),
        error="memory",
        limits=PythonLimits(wall_seconds=20, memory_mb=256, cpu_seconds=20),
    ),
    Attack(
        "endless loop",
        "while True:\n    pass\n",
        statuses=("timeout",),
        error="wall-clock limit",
        limits=PythonLimits(wall_seconds=2, memory_mb=256, cpu_seconds=60),
        check=timed_out_in_time,
    ),
    Attack(
        "burn CPU past its budget",
        "while True:\n    pass\n",
        statuses=("killed",),
        error="CPU time limit",
        limits=PythonLimits(wall_seconds=30, memory_mb=256, cpu_seconds=1),
    ),
    Attack(
        "write a file past the size limit",
        "open('/workspace/outputs/big.bin', 'wb').write(b'x' * (3 * 2**20)); print('ESCAPED')",
        error="File too large",
        limits=PythonLimits(wall_seconds=20, memory_mb=256, cpu_seconds=20, max_file_mb=1),
    ),
    Attack(
        "fill /tmp",
        """
        with open('/tmp/fill', 'wb') as f:
            for _ in range(1024):
                f.write(b'x' * 2**20)
        print('ESCAPED')
        """,
        error="No space left on device",
    ),
    Attack(
        "leave children behind",
        """
        import os, subprocess, sys, time
        sleeper = [sys.executable, "-c", "import time; time.sleep(600)", "@MARKER@"]
        subprocess.Popen(sleeper)
        if os.fork() == 0:  # a daemon: new session, double fork
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, sleeper)
            os._exit(0)
        time.sleep(0.3)
        print("parent leaves")
        """,
        statuses=("succeeded",),
        error="parent leaves",
        check=nothing_survives,
    ),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_is_contained(attack: Attack, job: JobDirs, targets: Targets) -> None:
    result = job.run(targets.fill(attack.code, job.marker), limits=attack.limits, env=attack.env)
    assert not escaped(result), result.log[-2000:]
    assert result.status in attack.statuses, (result.status, result.message, result.log[-2000:])
    seen = (result.log + result.message).lower()
    assert attack.error.lower() in seen, (result.message, result.log[-2000:])
    if attack.check is not None:
        attack.check(targets, result, job)
    assert processes_with(job.marker) == []


def test_network_namespace_alone_blocks_the_network(
    job: JobDirs, targets: Targets, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the seccomp filter the sockets open, and still reach nothing."""
    monkeypatch.setattr(seccomp, "filter_fd", lambda: None)
    code = targets.fill(
        """
        import socket
        for address in (("127.0.0.1", @PORT@), ("10.255.255.1", 80)):
            try:
                socket.create_connection(address, timeout=3)
                print("ESCAPED", address)
            except OSError as exc:
                print(address[0], "->", exc)
        """,
        job.marker,
    )
    result = job.run(code)
    assert result.status == "succeeded", result.log
    assert not escaped(result)
    assert "127.0.0.1 -> [Errno 111] Connection refused" in result.log
    assert "10.255.255.1 -> [Errno 101] Network is unreachable" in result.log
    assert "no seccomp filter" in result.confinement
    no_connection_reached(targets, result, job)


def test_without_cgroups_rlimit_nproc_contains_a_fork_bomb(
    job: JobDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: object, **kwargs: object) -> JobCgroups:
        raise CgroupUnavailable("cgroups switched off by the test")

    monkeypatch.setattr(JobCgroups, "create", unavailable)
    result = job.run("import os\nwhile True:\n    os.fork()\n")
    assert result.status in ("failed", "killed"), result.message
    assert "RLIMIT_NPROC=32" in result.confinement
    assert processes_with(job.marker) == []


def test_a_planted_link_never_reaches_the_host(job: JobDirs) -> None:
    result = job.run(
        "import os\n"
        "os.symlink('/etc/shadow', '/workspace/outputs/shadow.csv')\n"
        "os.mkfifo('/workspace/outputs/pipe.csv')\n"
        "os.symlink('/etc/passwd', '/workspace/job.log')\n"
        "open('/workspace/outputs/ok.csv', 'w').write('a\\n1\\n')\n"
    )
    assert result.status == "succeeded", result.log
    outputs = sorted(path.name for path in result.outputs_dir.iterdir())
    assert outputs == ["ok.csv"]
    assert "outputs/shadow.csv" in result.message
    log_file = job.workspace / "job.log"
    assert not log_file.is_symlink()
    assert (result.outputs_dir / "ok.csv").stat().st_uid == 0


def test_fifty_megabytes_of_output_are_capped(job: JobDirs) -> None:
    code = (
        "import sys\n"
        "print('FIRST LINE')\n"
        "line = 'y' * 1023 + '\\n'\n"
        "for _ in range(50 * 1024):\n"
        "    sys.stdout.write(line)\n"
        "print('LAST LINE')\n"
    )
    limits = PythonLimits(wall_seconds=30, memory_mb=256, cpu_seconds=30, max_log_bytes=64 * 1024)
    result = job.run(code, limits=limits)
    assert result.status == "succeeded"
    assert len(result.log.encode()) <= 64 * 1024 + 200
    assert result.log.startswith("FIRST LINE")
    assert result.log.rstrip().endswith("LAST LINE")
    assert re.search(r"\[\.\.\. \d+ bytes of output dropped", result.log)
    assert (job.workspace / "job.log").stat().st_size <= 64 * 1024 + 200


def test_secrets_in_the_output_are_redacted(job: JobDirs) -> None:
    secret = "tenant-dataset-key-7Hq9"
    token = "lab_0123456789abcdef_" + "Zx9-" * 10 + "Qw1"
    code = (
        "import base64, os\n"
        "print('env', os.environ['DATASET_KEY'])\n"
        f"print('token', {token!r})\n"
        "print('KEY=' + base64.b64encode(os.urandom(32)).decode())\n"
        "print('URLKEY=' + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('='))\n"
        "raise SystemExit('failed with ' + os.environ['DATASET_KEY'])\n"
    )
    result = job.run(code, env={"DATASET_KEY": secret}, redact=[secret])
    assert result.status == "failed"
    assert secret not in result.log and secret not in result.message
    assert token not in result.log
    assert "KEY=[REDACTED]" in result.log and "URLKEY=[REDACTED]" in result.log
    assert secret not in (job.workspace / "job.log").read_text()
