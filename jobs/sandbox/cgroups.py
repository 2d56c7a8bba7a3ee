"""Per-job cgroups (v1 `pids` and `memory` controllers): a process cap, a memory cap, a kill switch.

Each job gets `<controller mount>/<this process's cgroup>/lab/<job>` in both hierarchies, so the
job stays inside whatever cgroup the lab itself was given (its container's memory budget, for
instance). `pids.max` bounds processes and threads together, which, unlike RLIMIT_NPROC, holds
for root too; `memory.limit_in_bytes` makes the kernel's OOM killer act inside the group only.
After the job, every task left in the group is killed and the group removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

# bwrap's own two processes (the outer one and the sandbox's init) on top of the job's tasks
BWRAP_TASKS = 2


class CgroupUnavailable(Exception):
    """The cgroups cannot be made here; the message says why."""


def _v1_mounts() -> dict[str, Path]:
    mounts: dict[str, Path] = {}
    with Path("/proc/self/mountinfo").open(encoding="utf-8") as info:
        for line in info:
            fields = line.split()
            dash = fields.index("-")
            if fields[dash + 1] != "cgroup":
                continue
            for option in fields[dash + 3].split(","):
                if option in ("pids", "memory"):
                    mounts[option] = Path(fields[4])
    return mounts


def _own_paths() -> dict[str, str]:
    paths: dict[str, str] = {}
    with Path("/proc/self/cgroup").open(encoding="utf-8") as groups:
        for line in groups:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(","):
                paths[controller] = path
    return paths


def _make(base: Path, name: str) -> Path:
    """`base/name`; `base` may vanish meanwhile (the last job to end removes it)."""
    for _ in range(5):
        base.mkdir(mode=0o755, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            (base / name).mkdir(mode=0o755)
            return base / name
    raise FileNotFoundError(f"cannot create {base / name}")


def _write(path: Path, value: str) -> None:
    with path.open("w", encoding="ascii") as handle:
        handle.write(value)


@dataclass
class JobCgroups:
    dirs: dict[str, Path]

    @classmethod
    def create(cls, label: str, *, max_tasks: int, memory_bytes: int) -> JobCgroups:
        mounts, own = _v1_mounts(), _own_paths()
        missing = [name for name in ("pids", "memory") if name not in mounts]
        if missing:
            raise CgroupUnavailable(f"no cgroup v1 {' or '.join(missing)} controller mounted")
        name = f"{label[:40]}-{secrets.token_hex(4)}"
        dirs: dict[str, Path] = {}
        group = cls(dirs)
        try:
            for controller in ("pids", "memory"):
                base = mounts[controller] / own.get(controller, "/").lstrip("/") / "lab"
                dirs[controller] = _make(base, name)
            _write(dirs["pids"] / "pids.max", str(max_tasks + BWRAP_TASKS))
            _write(dirs["memory"] / "memory.limit_in_bytes", str(memory_bytes))
            swap = dirs["memory"] / "memory.memsw.limit_in_bytes"
            if swap.exists():  # no swapping around the limit, where swap accounting exists
                with contextlib.suppress(OSError):
                    _write(swap, str(memory_bytes))
        except OSError as exc:
            group.remove()
            raise CgroupUnavailable(f"cannot create job cgroups: {exc}") from exc
        return group

    def attach(self, pid: int) -> None:
        for path in self.dirs.values():
            _write(path / "cgroup.procs", str(pid))

    def tasks(self) -> list[int]:
        path = self.dirs.get("pids")
        if path is None:
            return []
        try:
            text = (path / "cgroup.procs").read_text(encoding="ascii")
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def kill_all(self, *, timeout: float = 5.0) -> bool:
        """SIGKILL every task until the group is empty; False if some survived `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            pids = self.tasks()
            if not pids:
                return True
            if time.monotonic() > deadline:
                return False
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def oom_kills(self) -> int:
        path = self.dirs.get("memory")
        if path is None:
            return 0
        try:
            for line in (path / "memory.oom_control").read_text(encoding="ascii").splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def describe(self) -> str:
        pids = self.dirs.get("pids")
        memory = self.dirs.get("memory")
        parts = []
        if pids is not None:
            parts.append(f"pids.max={(pids / 'pids.max').read_text().strip()}")
        if memory is not None:
            limit = int((memory / "memory.limit_in_bytes").read_text())
            parts.append(f"memory.limit={limit // (1024 * 1024)}MiB")
        return "cgroup v1 " + " ".join(parts)

    def remove(self) -> None:
        """Remove the job's groups, and `lab/` too when no other job uses it (so that no
        empty group is left behind in the cgroup the lab itself was given)."""
        for path in self.dirs.values():
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # tasks still exiting
                    time.sleep(0.01)
            with contextlib.suppress(OSError):  # busy while another job runs
                path.parent.rmdir()
        self.dirs = {}
