"""A sandboxed job cancelled while it runs: killed at once, not at its wall clock, with
nothing of it left running and its workspace given back."""

from __future__ import annotations

import os
import threading
import time

import pytest

from jobs.engines.python import PythonLimits, run_python
from jobs.errors import JobCancelled
from tests.jobs.python.conftest import JobDirs, needs_sandbox, processes_with

pytestmark = needs_sandbox

SLEEPER = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
print("started", flush=True)
time.sleep(300)
"""


def test_a_cancelled_job_is_killed_long_before_its_wall_clock(job: JobDirs) -> None:
    asked = threading.Event()
    threading.Timer(1.0, asked.set).start()
    started = time.monotonic()
    with pytest.raises(JobCancelled):
        run_python(
            job.bundle,
            job.entry(SLEEPER),
            inputs_dir=job.inputs,
            workspace=job.workspace,
            limits=PythonLimits(wall_seconds=120, memory_mb=512, cpu_seconds=120),
            cancelled=asked.is_set,
        )
    assert time.monotonic() - started < 15
    assert processes_with(job.marker) == []
    assert "started" in (job.workspace / "job.log").read_text()
    assert job.workspace.stat().st_uid == os.getuid()  # given back to the worker
