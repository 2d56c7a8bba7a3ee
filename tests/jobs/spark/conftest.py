"""Running PySpark jobs in the sandbox from tests: a bundle, inputs and a workspace per test.

A Spark job costs a JVM start (about 5 s), so the tests run few of them and are marked slow.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from jobs.engines.python import PythonLimits, PythonResult
from jobs.engines.spark import run_spark, spark_available
from tests.jobs.sandbox_dirs import SandboxDirs

WHY_NOT = spark_available()
# Where Spark cannot run in the sandbox the tests say why and skip, except in CI.
needs_spark = pytest.mark.skipif(
    WHY_NOT is not None and not os.environ.get("CI"), reason=f"no Spark sandbox here: {WHY_NOT}"
)

SPARK_LIMITS = PythonLimits(wall_seconds=80, memory_mb=2048, cpu_seconds=120, max_processes=64)


class SparkJob(SandboxDirs):
    def run(
        self,
        code: str,
        *,
        limits: PythonLimits = SPARK_LIMITS,
        env: Mapping[str, str] | None = None,
        master: str = "local[2]",
    ) -> PythonResult:
        return run_spark(
            self.bundle,
            self.entry(textwrap.dedent(code)),
            inputs_dir=self.inputs,
            workspace=self.workspace,
            limits=limits,
            master=master,
            env=env or {},
        )


@pytest.fixture
def spark_job(tmp_path: Path) -> SparkJob:
    return SparkJob.create(tmp_path)


def escaped(result: PythonResult) -> list[str]:
    """Lines where the job says it got what it wanted."""
    return re.findall(r"^ESCAPED.*$", result.log, re.MULTILINE)
