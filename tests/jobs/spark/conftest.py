"""Running PySpark jobs in the sandbox from tests: a bundle, inputs and a workspace per test.

A Spark job costs a JVM start (about 5 s), so the tests run few of them and are marked slow.
"""

from __future__ import annotations

import os
import re
import secrets
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from jobs.engines.python import PythonLimits, PythonResult
from jobs.engines.spark import run_spark, spark_available

WHY_NOT = spark_available()
# Where Spark cannot run in the sandbox the tests say why and skip, except in CI.
needs_spark = pytest.mark.skipif(
    WHY_NOT is not None and not os.environ.get("CI"), reason=f"no Spark sandbox here: {WHY_NOT}"
)

SPARK_LIMITS = PythonLimits(wall_seconds=80, memory_mb=2048, cpu_seconds=120, max_processes=64)


@dataclass
class SparkJob:
    root: Path
    bundle: Path
    inputs: Path
    workspace: Path
    marker: str

    def run(
        self,
        code: str,
        *,
        limits: PythonLimits = SPARK_LIMITS,
        env: Mapping[str, str] | None = None,
        master: str = "local[2]",
    ) -> PythonResult:
        entrypoint = f"job_{self.marker}.py"
        (self.bundle / entrypoint).write_text(textwrap.dedent(code), encoding="utf-8")
        return run_spark(
            self.bundle,
            entrypoint,
            inputs_dir=self.inputs,
            workspace=self.workspace,
            limits=limits,
            master=master,
            env=env or {},
        )


@pytest.fixture
def spark_job(tmp_path: Path) -> SparkJob:
    job = SparkJob(
        root=tmp_path,
        bundle=tmp_path / "bundle",
        inputs=tmp_path / "inputs",
        workspace=tmp_path / "work",
        marker=f"m{secrets.token_hex(6)}",
    )
    job.bundle.mkdir(mode=0o700)
    job.inputs.mkdir(mode=0o700)
    return job


def escaped(result: PythonResult) -> list[str]:
    """Lines where the job says it got what it wanted."""
    return re.findall(r"^ESCAPED.*$", result.log, re.MULTILINE)
