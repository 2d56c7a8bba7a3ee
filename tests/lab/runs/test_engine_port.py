"""The port as the sandboxed engines keep it (through the fake, whose steps are theirs but
the launch), and the status each error ends a job with."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.engines.port import EngineJob, JobLimits
from jobs.engines.sql_wire import InputFiles
from jobs.errors import EngineRefused, JobCancelled, JobError, LimitExceeded, SpecInvalid
from jobs.spec import JobSpec
from lab import errors
from lab.runs.handler import job_status, lab_status
from lab.work.statuses import WorkStatus
from tests.lab.runs.fake_engine import FakeEngine

LIMITS = JobLimits(wall_seconds=5, memory_mb=512, cpus=1, max_processes=8, max_rows=100)


class Copies:
    """Inputs handed over as decrypted copies, counted."""

    allowed_columns: Mapping[str, tuple[str, ...]] = {}
    entity_keys: Mapping[str, str] = {}

    def __init__(self) -> None:
        self.materialized = 0

    def materialize(self, folder: Path) -> None:
        self.materialized += 1
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"city": ["a", "a", "b"]}), folder / "merchants.parquet")

    def files(self) -> dict[str, InputFiles]:
        raise AssertionError("a sandboxed engine is handed decrypted copies, never keys")


def python_job(tmp_path: Path, program: dict[str, Any] | None) -> tuple[EngineJob, Copies]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("train.py", repr(program))
    spec = JobSpec.from_data(
        {
            "name": "train",
            "zone": "sandbox",
            "engine": "python",
            "inputs": {"merchants": {"dataset": "merchants"}},
            "code": {"entrypoint": "train.py"},
            "outputs": {"by_city": {"sensitivity": "moderately_sensitive", "kind": "table"}},
        }
    )
    workspace = tmp_path / "job"
    workspace.mkdir(mode=0o700)
    copies = Copies()
    bundle = buffer.getvalue() if program is not None else b"not a zip"
    return EngineJob(spec, workspace, LIMITS, copies, bundle), copies


def test_a_sandboxed_engine_does_each_step_once_and_cleans_everything(tmp_path: Path) -> None:
    program = {"tables": {"by_city": {"count_by": ["merchants", "city"]}}, "files": {"x.txt": 1}}
    job, copies = python_job(tmp_path, program)
    engine = FakeEngine(job)
    launches = FakeEngine.launches
    engine.prepare()
    engine.prepare()
    assert copies.materialized == 1
    assert (job.workspace / "job" / "train.py").is_file()
    engine.run()
    engine.run()
    assert FakeEngine.launches == launches + 1
    output = engine.collect()
    assert engine.collect() is output
    assert sorted(output.tables["by_city"].to_pylist(), key=str) == [
        {"city": "a", "n": 2},
        {"city": "b", "n": 1},
    ]
    assert output.undeclared == ["x.txt"]
    engine.cleanup()
    engine.cleanup()
    assert list(job.workspace.iterdir()) == []


def test_a_bundle_that_cannot_be_unpacked_fails_every_later_step(tmp_path: Path) -> None:
    job, _ = python_job(tmp_path, None)
    engine = FakeEngine(job)
    with pytest.raises(EngineRefused, match="not a zip file") as first:
        engine.prepare()
    for step in (engine.prepare, engine.run, engine.collect):
        with pytest.raises(EngineRefused) as again:
            step()
        assert again.value is first.value
    engine.cleanup()
    assert list(job.workspace.iterdir()) == []


def test_a_job_cancelled_before_its_run_never_starts(tmp_path: Path) -> None:
    job, _ = python_job(tmp_path, {"print": ["hello"]})
    engine = FakeEngine(job)
    engine.prepare()
    launches = FakeEngine.launches
    with pytest.raises(JobCancelled):
        engine.run(lambda: True)
    assert FakeEngine.launches == launches
    engine.cleanup()


def test_an_output_past_the_row_limit_fails_collect(tmp_path: Path) -> None:
    job, _ = python_job(tmp_path, {"tables": {"by_city": {"rows": 101}}})
    engine = FakeEngine(job)
    engine.prepare()
    engine.run()
    with pytest.raises(LimitExceeded) as first:
        engine.collect()
    with pytest.raises(LimitExceeded) as again:
        engine.collect()
    assert again.value is first.value
    engine.cleanup()


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.NotFound("x"), WorkStatus.INPUT_NOT_FOUND),
        (errors.Forbidden("x"), WorkStatus.FORBIDDEN),
        (errors.Unauthenticated("x"), WorkStatus.UNAUTHENTICATED),
        (errors.InvalidInput("x"), WorkStatus.INVALID_INPUT),
        (errors.Conflict("x"), WorkStatus.CONFLICT),
        (errors.ConfigurationError("x"), WorkStatus.ERROR),
        (errors.LabError("x"), WorkStatus.FAILED),
    ],
)
def test_each_lab_error_ends_a_job_with_its_own_status(
    error: errors.LabError, status: WorkStatus
) -> None:
    assert lab_status(error) is status


def test_no_lab_error_is_left_to_the_catch_all() -> None:
    """A new error in lab.errors must be given its status here, not fall to `failed`."""
    found = [
        cls
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.LabError) and cls is not errors.LabError
    ]
    assert found
    assert [c.__name__ for c in found if lab_status(c("x")) is WorkStatus.FAILED] == []


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (SpecInvalid("x"), WorkStatus.INVALID_SPEC),
        (EngineRefused("x"), WorkStatus.REFUSED),
        (LimitExceeded("x"), WorkStatus.LIMIT_EXCEEDED),
        (JobCancelled("x"), WorkStatus.CANCELLED),
        (JobError("x"), WorkStatus.FAILED),
    ],
)
def test_each_job_error_ends_a_job_with_its_status(error: JobError, status: WorkStatus) -> None:
    assert job_status(error) is status
