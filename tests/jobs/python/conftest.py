"""Running small jobs in the sandbox from tests: a bundle, inputs and a workspace per test."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from jobs.engines.python import PythonLimits, PythonResult, run_python, sandbox_available
from tests.jobs.sandbox_dirs import SandboxDirs

WHY_NOT = sandbox_available()
# Where the sandbox cannot work the tests say why and skip, except in CI, which must run them.
needs_sandbox = pytest.mark.skipif(
    WHY_NOT is not None and not os.environ.get("CI"), reason=f"no sandbox here: {WHY_NOT}"
)

QUICK = PythonLimits(wall_seconds=20, memory_mb=512, cpu_seconds=20)


class JobDirs(SandboxDirs):
    def run(
        self,
        code: str,
        *,
        limits: PythonLimits = QUICK,
        env: Mapping[str, str] | None = None,
        redact: Sequence[str] = (),
    ) -> PythonResult:
        """Run `code` as the bundle's entry point, named after this test's unique marker."""
        return run_python(
            self.bundle,
            self.entry(code),
            inputs_dir=self.inputs,
            workspace=self.workspace,
            limits=limits,
            env=env or {},
            redact=redact,
        )


@pytest.fixture
def job(tmp_path: Path) -> JobDirs:
    return JobDirs.create(tmp_path)


def processes_with(marker: str) -> list[int]:
    """Live processes whose command line mentions `marker` (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found
