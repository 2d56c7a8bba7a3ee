"""The metrics reach a sandboxed job as `labjob.credit_metrics`: the sandbox ships
`jobs/runtime` alone, so this proves the validation code needs nothing else of the lab."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score

from jobs.engines.python import PythonLimits, run_python, sandbox_available
from jobs.sandbox.layout import layout
from tests.jobs.sandbox_dirs import SandboxDirs

WHY_NOT = sandbox_available()
needs_sandbox = pytest.mark.skipif(
    WHY_NOT is not None and not os.environ.get("CI"), reason=f"no sandbox here: {WHY_NOT}"
)
LIMITS = PythonLimits(wall_seconds=60, memory_mb=768, cpu_seconds=60)

JOB = """
import labjob
t = labjob.read_pandas("holdout")
d = labjob.credit_metrics.discrimination(t["bad"], t["p"])
labjob.log_metric("auc", d.auc)
labjob.log_metric("psi", labjob.credit_metrics.psi(t["p"][:250], t["p"][250:]).psi)
try:
    import matplotlib
except ImportError:
    print("no matplotlib")
else:
    labjob.validate_binary("holdout", t["bad"], t["p"], bands=4)
"""


@needs_sandbox
def test_a_sandboxed_job_validates_a_model(tmp_path: Path) -> None:
    dirs = SandboxDirs.create(tmp_path)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    p = 1 / (1 + np.exp(-(rng.normal(size=500) + y)))
    pq.write_table(pa.table({"bad": y, "p": p}), dirs.inputs / "holdout.parquet")
    result = run_python(
        dirs.bundle,
        dirs.entry(JOB),
        inputs_dir=dirs.inputs,
        workspace=dirs.workspace,
        limits=LIMITS,
    )
    assert result.status == "succeeded", result.log
    metrics = json.loads((result.outputs_dir / "metrics.json").read_text())
    assert metrics["auc"] == pytest.approx(roc_auc_score(y, p))
    assert metrics["psi"] >= 0
    if "matplotlib" in layout().packages:
        assert (result.outputs_dir / "holdout_roc.png").read_bytes().startswith(b"\x89PNG")
        assert metrics["holdout_auc"] == pytest.approx(roc_auc_score(y, p))
    else:
        assert "no matplotlib" in result.log
