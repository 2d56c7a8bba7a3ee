"""The Python engine doing its job: inputs in, outputs and metrics out, clear refusals."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.engines import python as engine
from jobs.engines.python import PythonLimits, run_python
from jobs.errors import EngineRefused, SpecInvalid
from jobs.sandbox.layout import layout
from tests.jobs.python.conftest import QUICK, JobDirs, needs_sandbox

PIPELINE = """
import labjob

print("inputs:", sorted(labjob.inputs()))
df = labjob.read_pandas("merchants")
by_city = df.groupby("city", as_index=False)["sales"].sum().sort_values("city")
labjob.write_table("sales_by_city", by_city)
labjob.log_metric("rows", len(df))
labjob.log_metric("mean_sales", df["sales"].mean())
from sklearn.linear_model import LinearRegression
labjob.save_model("sales_model", LinearRegression().fit(df[["sales"]], df["sales"] * 2))
labjob.write_file("note.txt", "done")
table = labjob.read_table("merchants")
print("columns:", table.column_names)
"""


@needs_sandbox
def test_a_job_reads_parquet_and_writes_a_table_a_metric_and_a_model(job: JobDirs) -> None:
    merchants = pa.table(
        {"city": ["Hangzhou", "Shanghai", "Hangzhou", "Beijing"], "sales": [10.0, 20.0, 5.0, 7.5]}
    )
    pq.write_table(merchants, job.inputs / "merchants.parquet")
    result = job.run(PIPELINE)
    assert result.status == "succeeded", result.log
    assert result.exit_code == 0
    assert "inputs: ['merchants']" in result.log
    assert "columns: ['city', 'sales']" in result.log
    outputs = result.outputs_dir
    assert outputs == job.workspace / "outputs"
    table = pq.read_table(outputs / "sales_by_city.parquet").to_pydict()
    assert table == {"city": ["Beijing", "Hangzhou", "Shanghai"], "sales": [7.5, 15.0, 20.0]}
    metrics = json.loads((outputs / "metrics.json").read_text())
    assert metrics == {"rows": 4, "mean_sales": 10.625}
    model = outputs / "models" / "sales_model"
    assert sorted(p.name for p in model.iterdir()) == ["model.json", "model.onnx"]
    assert json.loads((model / "model.json").read_text())["features"] == [
        {"name": "sales", "type": "numeric"}
    ]
    assert (outputs / "note.txt").read_text() == "done"
    assert (job.workspace / "job.log").read_text() == result.log
    assert all(path.stat().st_uid == 0 for path in outputs.rglob("*"))
    assert "pids.max" in result.confinement or "RLIMIT_NPROC" in result.confinement


@needs_sandbox
def test_the_job_sees_only_what_is_bound(job: JobDirs) -> None:
    code = (
        "import os, pwd, sys\n"
        "print('uid', os.getuid(), os.getgid(), os.getgroups())\n"
        "print('user', pwd.getpwuid(os.getuid()).pw_name)\n"
        "print('root', sorted(os.listdir('/')))\n"
        "print('cwd', os.getcwd())\n"
        "print('env', sorted(os.environ))\n"
        "caps = [l for l in open('/proc/self/status') if l.startswith(('CapEff', 'NoNewPrivs'))]\n"
        "print('caps', [l.split()[1] for l in caps])\n"
        "print('site', sorted(os.listdir('/opt/lab/site')))\n"
        "own = os.path.join(os.path.dirname(os.__file__), 'site-packages')\n"
        "print('own site-packages', os.listdir(own) if os.path.isdir(own) else [])\n"
    )
    result = job.run(code, env={"RUN_MODE": "test"})
    assert result.status == "succeeded", result.log
    assert "uid 65534 65534 []" in result.log
    assert "user nobody" in result.log
    root = "root ['dev', 'etc', 'inputs', 'job', 'lib', 'lib64', 'opt', 'proc', 'tmp', 'usr', "
    assert root in result.log.replace("'root', ", "")
    assert "cwd /workspace" in result.log
    assert "'RUN_MODE'" in result.log and "'OMP_NUM_THREADS'" in result.log
    assert "caps ['0000000000000000', '1']" in result.log
    assert "'pyarrow'" in result.log and "'pandas'" in result.log
    assert "'duckdb'" not in result.log and "'lab'" not in result.log
    assert "own site-packages []" in result.log


@needs_sandbox
def test_inputs_and_bundle_inside_the_workspace_stay_read_only(job: JobDirs) -> None:
    inputs = job.workspace / "inputs"
    inputs.mkdir(parents=True)
    (inputs / "t.csv").write_text("a\n1\n")
    (job.bundle / "main.py").write_text(
        "import labjob\n"
        "print(labjob.read_table('t').num_rows)\n"
        "open('/workspace/inputs/t.csv', 'w')\n"
    )
    result = run_python(
        job.bundle, "main.py", inputs_dir=inputs, workspace=job.workspace, limits=QUICK
    )
    assert result.status == "failed"
    assert result.message == "the job exited with code 1: OSError"
    assert "Read-only file system" in result.log
    assert (inputs / "t.csv").read_text() == "a\n1\n"


@needs_sandbox
@pytest.mark.parametrize("entrypoint", ["../escape.py", "/etc/passwd.py", "main.txt", "gone.py"])
def test_a_bad_entrypoint_is_refused(job: JobDirs, entrypoint: str) -> None:
    with pytest.raises(SpecInvalid, match="entrypoint"):
        run_python(
            job.bundle, entrypoint, inputs_dir=job.inputs, workspace=job.workspace, limits=QUICK
        )


@needs_sandbox
@pytest.mark.parametrize("name", ["LD_PRELOAD", "PYTHONPATH", "PATH", "HOME", "bad-name", "OMP_X"])
def test_reserved_environment_variables_are_refused(job: JobDirs, name: str) -> None:
    (job.bundle / "main.py").write_text("pass\n")
    with pytest.raises(SpecInvalid, match="environment variable"):
        run_python(
            job.bundle,
            "main.py",
            inputs_dir=job.inputs,
            workspace=job.workspace,
            limits=QUICK,
            env={name: "x"},
        )


def test_without_a_sandbox_the_engine_refuses(
    job: JobDirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    (job.bundle / "main.py").write_text("print('ran')\n")
    monkeypatch.setattr(engine, "sandbox_available", lambda: "bubblewrap is not installed")
    with pytest.raises(EngineRefused, match="bubblewrap is not installed"):
        run_python(
            job.bundle, "main.py", inputs_dir=job.inputs, workspace=job.workspace, limits=QUICK
        )
    assert not (job.workspace / "job.log").exists()


def test_the_probe_says_why_when_bwrap_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.shutil, "which", lambda name, *a, **k: None)
    reason = engine._probe.__wrapped__()
    assert reason is not None and "bubblewrap" in reason


@needs_sandbox
def test_start_up_overhead_is_small(job: JobDirs) -> None:
    """An isolated `pass` against a plain interpreter start (goal: at most 300 ms more)."""
    (job.bundle / "main.py").write_text("pass\n")
    limits = PythonLimits(wall_seconds=20, memory_mb=256, cpu_seconds=10)
    sandboxed, plain = [], []
    for _ in range(5):
        start = time.monotonic()
        result = run_python(
            job.bundle, "main.py", inputs_dir=job.inputs, workspace=job.workspace, limits=limits
        )
        sandboxed.append(time.monotonic() - start)
        assert result.status == "succeeded"
        start = time.monotonic()
        subprocess.run([layout().python, "-c", "pass"], check=True)
        plain.append(time.monotonic() - start)
    overhead = statistics.median(sandboxed) - statistics.median(plain)
    sys.stderr.write(
        f"\nstart-up: sandboxed pass {statistics.median(sandboxed) * 1000:.0f} ms, "
        f"plain python -c pass {statistics.median(plain) * 1000:.0f} ms, "
        f"overhead {overhead * 1000:.0f} ms\n"
    )
    assert overhead < 0.3


def test_layout_binds_no_lab_code_and_no_secrets() -> None:
    try:
        view = layout()
    except Exception as exc:
        pytest.skip(f"no layout here: {exc}")
    sources = [source for source, _ in view.binds]
    repo = Path(__file__).resolve().parents[3]
    for package in ("lab", "connectors", "audit", "jobs"):
        code = str(repo / package)
        bound = [s for s in sources if s == code or s.startswith(code + "/")]
        assert bound == ([str(repo / "jobs" / "runtime")] if package == "jobs" else []), bound
    assert not any(s.endswith(("site-packages", "duckdb", "pyspark")) for s in sources), sources
    assert "/etc" not in sources and "/root" not in sources and "/" not in sources
    assert {"pyarrow", "pandas", "numpy"} <= set(view.packages)
