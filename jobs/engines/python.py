"""The Python engine: run a job's code in a bubblewrap sandbox, under limits, and report.

The job sees only: the interpreter and the packages bound for jobs (read-only), the `labjob`
runtime, its code bundle at `/job` and its inputs at `/inputs` (read-only), a private
writable `/workspace` (outputs go to `/workspace/outputs`), a private `/tmp`, `/proc` of its
own PID namespace and a minimal `/dev`. It runs as uid/gid 65534 with no capabilities, no
network (a namespace holding only its own loopback, and a seccomp filter refusing
non-local sockets), its own cgroups bounding tasks and memory (RLIMIT_NPROC where cgroups cannot be
made), and rlimits on address space, CPU time and file size. Its output is captured with a
cap and redacted. If bubblewrap cannot work here the engine refuses: it never runs a job
unconfined. See `jobs/sandbox/` for each piece.
"""

from __future__ import annotations

import functools
import os
import re
import resource
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jobs.engines.python_status import outcome
from jobs.errors import EngineRefused, JobCancelled, SpecInvalid
from jobs.sandbox import bwrap, seccomp, workspace
from jobs.sandbox.cgroups import CgroupUnavailable, JobCgroups
from jobs.sandbox.launch import launch
from jobs.sandbox.layout import Layout, LayoutError, layout
from jobs.sandbox.logs import LogCapture
from jobs.sandbox.logs import redact as redact_text
from jobs.sandbox.process import Rlimits

MIB = 1024 * 1024
# RLIMIT_AS counts reserved address space, not memory: Arrow's allocator and thread stacks
# reserve far more than they touch. The memory cgroup bounds what is really used.
ADDRESS_SPACE_HEADROOM_MB = 2048
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_ENV_RESERVED = re.compile(r"^(LD_|PYTHON|LABJOB_|BASH_FUNC|OMP_|OPENBLAS_|MKL_|ARROW_)")
_ENV_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class PythonLimits:
    wall_seconds: float
    memory_mb: int
    cpu_seconds: int
    max_processes: int = 32
    max_file_mb: int = 1024
    max_log_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class PythonResult:
    exit_code: int | None
    status: str  # "succeeded" | "failed" | "timeout" | "killed" | "refused"
    message: str
    log: str  # stdout and stderr, capped and redacted; also in <workspace>/job.log
    elapsed: float
    outputs_dir: Path
    confinement: str = ""  # which limits were in force (cgroups or RLIMIT_NPROC, seccomp)


def sandbox_available() -> str | None:
    """None when bubblewrap works here, else why not (then Python jobs must be refused)."""
    return _probe()


@functools.cache
def _probe() -> str | None:
    if not sys.platform.startswith("linux"):
        return "the Python sandbox needs Linux namespaces (bubblewrap)"
    if os.geteuid() != 0:
        return (
            "the Python sandbox runs bubblewrap as root (to bind the job's directories and "
            "drop to uid 65534); this process is not root"
        )
    if shutil.which("bwrap") is None:
        return (
            "bubblewrap (bwrap) is not installed: run scripts/setup.sh (apt-get install bubblewrap)"
        )
    try:
        layout()
    except LayoutError as exc:
        return f"the Python sandbox cannot be laid out: {exc}"
    limits = PythonLimits(wall_seconds=30, memory_mb=256, cpu_seconds=10)
    result = probe_run(_run, "import labjob\n", limits)
    if result.status != "succeeded":
        return f"bubblewrap does not work here: {result.message}: {result.log.strip()[:300]}"
    return None


def probe_run(run: Callable[..., PythonResult], code: str, limits: PythonLimits) -> PythonResult:
    """`code` run by `run` (an engine's confined run) as a throwaway job: a bundle, inputs and
    workspace in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lab-sandbox-probe-") as tmp:
        root = Path(tmp)
        for name in ("job", "inputs", "workspace"):
            (root / name).mkdir()
        (root / "job" / "probe.py").write_text(code, encoding="utf-8")
        return run(root / "job", "probe.py", root / "inputs", root / "workspace", limits)


def run_python(
    bundle_dir: Path,
    entrypoint: str,
    *,
    inputs_dir: Path,
    workspace: Path,
    limits: PythonLimits,
    env: Mapping[str, str] | None = None,
    redact: Sequence[str] = (),
    cancelled: Callable[[], bool] = lambda: False,
) -> PythonResult:
    """Run `bundle_dir/entrypoint` in the sandbox; raises EngineRefused if there is none,
    JobCancelled if `cancelled()` turns true while it runs (the sandbox is killed first).

    `inputs_dir` (read-only in the job) and `bundle_dir` are made readable by the sandbox
    group where they are not readable by all; `workspace` is created if missing, belongs to
    the sandbox uid during the run and to this process's uid after it.
    """
    why_not = sandbox_available()
    if why_not is not None:
        raise EngineRefused(why_not)
    return _run(bundle_dir, entrypoint, inputs_dir, workspace, limits, env or {}, redact, cancelled)


def _check_entrypoint(bundle: Path, entrypoint: str) -> None:
    parts = Path(entrypoint).parts
    if not entrypoint.endswith(".py") or Path(entrypoint).is_absolute() or ".." in parts:
        raise SpecInvalid(f"entrypoint {entrypoint!r} must be a relative path to a .py file")
    target = bundle / entrypoint
    if target.is_symlink() or not target.is_file():
        raise SpecInvalid(f"entrypoint {entrypoint!r} is not a file of the code bundle")


def _check_env(env: Mapping[str, str]) -> dict[str, str]:
    size = 0
    for name, value in env.items():
        if not _ENV_NAME.match(name) or _ENV_RESERVED.match(name):
            raise SpecInvalid(f"environment variable {name!r} is not allowed")
        if name in bwrap.base_env({}) or "\0" in value:
            raise SpecInvalid(f"environment variable {name!r} is not allowed")
        size += len(name) + len(value.encode("utf-8"))
    if size > _ENV_MAX_BYTES:
        raise SpecInvalid(f"the job's environment exceeds {_ENV_MAX_BYTES} bytes")
    return dict(env)


def _directory(path: Path, what: str) -> Path:
    if not path.is_dir():
        raise SpecInvalid(f"{what} {path} is not a directory")
    return path.resolve()


@dataclass(frozen=True)
class Confinement:
    """What a kind of sandboxed job changes in the common run (defaults: a Python job)."""

    base: Layout
    label: str
    env: Callable[[Mapping[str, str], PythonLimits], dict[str, str]]
    limits: Callable[[str, PythonLimits], tuple[JobCgroups | None, Rlimits, list[str]]]
    inet: bool = False  # IP sockets inside the job's own network namespace
    tmp_share: int = 2  # /tmp gets 1/tmp_share of the memory limit
    etc_files: Mapping[str, str] | None = None
    scratch: str | None = None  # a workspace folder removed after the run
    refine: Callable[[str, str, str, PythonLimits], tuple[str, str]] | None = None


def _python_confinement() -> Confinement:
    return Confinement(layout(), "", lambda env, _limits: _check_env(env), job_limits)


def _run(
    bundle_dir: Path,
    entrypoint: str,
    inputs_dir: Path,
    workspace_dir: Path,
    limits: PythonLimits,
    env: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
    cancelled: Callable[[], bool] = lambda: False,
) -> PythonResult:
    return run_confined(
        _python_confinement(), bundle_dir, entrypoint, inputs_dir, workspace_dir, limits,
        env or {}, secrets, cancelled=cancelled,
    )  # fmt: skip


def run_confined(
    kind: Confinement,
    bundle_dir: Path,
    entrypoint: str,
    inputs_dir: Path,
    workspace_dir: Path,
    limits: PythonLimits,
    env: Mapping[str, str],
    secrets: Sequence[str],
    extra: tuple[tuple[Path, str], ...] = (),
    cancelled: Callable[[], bool] = lambda: False,
) -> PythonResult:
    """Prepare the directories, run the job confined as `kind` says, clean up, report.

    `extra`: more host directories bound read-only inside, as (host path, path inside).
    JobCancelled, once everything is cleaned up, if `cancelled()` turned true while it ran."""
    bundle = _directory(bundle_dir, "code bundle")
    inputs = _directory(inputs_dir, "inputs")
    _check_entrypoint(bundle, entrypoint)
    job_env = kind.env(env, limits)
    try:
        outputs = workspace.prepare(workspace_dir, bwrap.SANDBOX_UID, bwrap.SANDBOX_GID)
    except NotADirectoryError as exc:
        raise SpecInvalid(str(exc)) from exc
    workspace_dir = workspace_dir.resolve()
    workspace.grant_read(bundle, bwrap.SANDBOX_GID)
    workspace.grant_read(inputs, bwrap.SANDBOX_GID)
    mounts = bwrap.Mounts(bundle, inputs, workspace_dir, extra)
    label = f"{kind.label}{workspace_dir.parent.name}-{workspace_dir.name}"
    cgroups, rlimits, notes = kind.limits(label, limits)
    capture = LogCapture(limits.max_log_bytes)
    oom_kills = 0
    try:
        finished, filtered = launch(
            kind.base, mounts, entrypoint, env=job_env, memory_mb=limits.memory_mb,
            wall_seconds=limits.wall_seconds, rlimits=rlimits, cgroups=cgroups, capture=capture,
            inet=kind.inet, tmp_share=kind.tmp_share, etc_files=kind.etc_files,
            cancelled=cancelled,
        )  # fmt: skip
    finally:
        if cgroups is not None:
            cgroups.kill_all()
            oom_kills = cgroups.oom_kills()
            cgroups.remove()
    if filtered:
        notes.append(
            "seccomp filter on" + (" (AF_UNIX, AF_INET, AF_INET6 sockets)" if kind.inet else "")
        )
    else:
        notes.append(f"no seccomp filter: {seccomp.filter_bytes(inet=kind.inet)!s:.100}")
    removed = workspace.reclaim(workspace_dir, skip=tuple(bwrap.read_only_inside(mounts)))
    if kind.scratch is not None:
        shutil.rmtree(workspace_dir / kind.scratch, ignore_errors=True)
    log = redact_text(capture.text(), secrets)
    workspace.write_log(workspace_dir, log)
    if finished.cancelled:
        raise JobCancelled("the job was cancelled while its code ran")
    status, message = outcome(finished, limits, log, oom_kills=oom_kills)
    if kind.refine is not None:
        status, message = kind.refine(status, message, log, limits)
    if removed:
        message += f"; removed from the workspace (links, special files): {', '.join(removed[:10])}"
    return PythonResult(
        exit_code=finished.returncode,
        status=status,
        message=redact_text(message, secrets),
        log=log,
        elapsed=finished.elapsed,
        outputs_dir=outputs,
        confinement="; ".join(notes),
    )


def job_limits(
    label: str,
    limits: PythonLimits,
    *,
    network: str = "no network",
    min_tasks: int = 0,
    headroom_mb: int | None = ADDRESS_SPACE_HEADROOM_MB,
    note: str = "",
) -> tuple[JobCgroups | None, Rlimits, list[str]]:
    """The job's cgroups (or None, then RLIMIT_NPROC), its rlimits, and what is in force.

    `min_tasks`: processes and threads allowed at least (a JVM's, gRPC's); `headroom_mb`:
    address space allowed beyond the memory limit, None for none at all (a JVM reserves far
    more than it uses: the memory cgroup bounds what is really used)."""
    notes = [f"bwrap: uid {bwrap.SANDBOX_UID}, no capabilities, {network}"]
    tasks = max(limits.max_processes, min_tasks)
    cgroups: JobCgroups | None = None
    try:
        cgroups = JobCgroups.create(label, max_tasks=tasks, memory_bytes=limits.memory_mb * MIB)
        notes.append(cgroups.describe())
    except CgroupUnavailable as exc:
        notes.append(f"RLIMIT_NPROC={tasks} for uid {bwrap.SANDBOX_UID} ({exc})")
    space = None if headroom_mb is None else (limits.memory_mb + headroom_mb) * MIB
    rlimits = Rlimits(
        address_space=resource.RLIM_INFINITY if space is None else space,
        cpu_seconds=max(1, int(limits.cpu_seconds)),
        file_size=limits.max_file_mb * MIB,
        processes=None if cgroups else tasks,
    )
    shown = "unlimited" if space is None else f"{space // MIB}MiB"
    notes.append(
        f"rlimits AS={shown} CPU={rlimits.cpu_seconds}s FSIZE={limits.max_file_mb}MiB{note}"
    )
    return cgroups, rlimits, notes


__all__ = ["PythonLimits", "PythonResult", "run_python", "sandbox_available"]
