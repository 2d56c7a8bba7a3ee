"""The engine port as the SQL engine keeps it, and the registry that chooses engines.

The SQL engine runs its query in a real child (the plain child of these tests reads
unencrypted Parquet): each step done twice is done once, a failed step fails the later
ones with the same error, and cleanup always cleans."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.engines.port import Engine, EngineJob, JobLimits, Stage, undeclared
from jobs.engines.registry import EngineRegistry
from jobs.engines.sql_engine import SqlEngine
from jobs.engines.sql_wire import InputFiles
from jobs.errors import EngineRefused, JobCancelled
from jobs.sandbox.spare import Spares
from jobs.spec import JobSpec

ROOT = Path(__file__).resolve().parents[2]
CHILD = [sys.executable, "-m", "tests.jobs.sql_child_plain"]
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}
LIMITS = JobLimits(wall_seconds=20, memory_mb=256, cpus=1, max_processes=8, max_rows=1000)


class PlainFiles:
    """Inputs handed over as plain Parquet files (no keys): what a test child reads."""

    def __init__(self, paths: Mapping[str, Path]) -> None:
        self.paths = dict(paths)
        self.allowed_columns: Mapping[str, tuple[str, ...]] = {}
        self.entity_keys: Mapping[str, str] = {}
        self.handed = 0

    def materialize(self, folder: Path) -> None:
        raise AssertionError("a SQL engine never asks for decrypted copies")

    def files(self) -> dict[str, InputFiles]:
        self.handed += 1
        return {alias: InputFiles((str(path),)) for alias, path in self.paths.items()}


@pytest.fixture(scope="module")
def spares() -> Iterator[Spares]:
    pool = Spares(CHILD, ENV, keep=1)
    pool.warm()
    yield pool
    pool.close()


def sql_job(tmp_path: Path, query: str) -> tuple[EngineJob, PlainFiles]:
    data = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3, 4], "g": ["a", "a", "b", "b"]}), data)
    spec = JobSpec.from_data(
        {
            "name": "query",
            "zone": "sandbox",
            "engine": "sql",
            "inputs": {"t": {"dataset": "t"}},
            "code": {"query": query},
            "outputs": {"result": {"sensitivity": "moderately_sensitive", "kind": "table"}},
        }
    )
    workspace = tmp_path / "job"
    workspace.mkdir(mode=0o700)
    handover = PlainFiles({"t": data})
    return EngineJob(spec=spec, workspace=workspace, limits=LIMITS, inputs=handover), handover


def test_each_step_done_twice_is_done_once(spares: Spares, tmp_path: Path) -> None:
    job, handover = sql_job(tmp_path, "SELECT g, count(*) AS n FROM t GROUP BY g ORDER BY g")
    engine = SqlEngine(job, spares)
    engine.prepare()
    engine.prepare()
    assert handover.handed == 1
    engine.run()
    engine.run(lambda: True)  # already ran: not run again, so not cancelled either
    output = engine.collect()
    assert engine.collect() is output
    assert output.tables["result"].to_pylist() == [{"g": "a", "n": 2}, {"g": "b", "n": 2}]
    assert output.lineage is not None and output.lineage.aggregate
    assert output.contributors is not None
    assert (job.workspace / "sql").is_dir()
    engine.cleanup()
    engine.cleanup()
    assert sorted(p.name for p in job.workspace.iterdir()) == []
    with pytest.raises(RuntimeError, match="after cleanup"):
        engine.collect()


def test_steps_out_of_order_are_the_callers_fault(spares: Spares, tmp_path: Path) -> None:
    job, _ = sql_job(tmp_path, "SELECT 1 AS one")
    engine = SqlEngine(job, spares)
    with pytest.raises(RuntimeError, match="run before prepare"):
        engine.run()
    engine.prepare()
    with pytest.raises(RuntimeError, match="run first"):
        engine.collect()
    engine.cleanup()


def test_a_failed_run_fails_what_follows_with_the_same_error(
    spares: Spares, tmp_path: Path
) -> None:
    job, _ = sql_job(tmp_path, "SELECT count(*) AS n FROM t")
    engine = SqlEngine(job, spares)
    engine.prepare()
    with pytest.raises(JobCancelled) as first:
        engine.run(lambda: True)
    assert engine.stage is Stage.FAILED
    with pytest.raises(JobCancelled) as again:
        engine.run()
    with pytest.raises(JobCancelled) as collected:
        engine.collect()
    assert again.value is first.value and collected.value is first.value
    engine.cleanup()
    assert list(job.workspace.iterdir()) == []


def test_a_refused_query_is_refused_by_run(spares: Spares, tmp_path: Path) -> None:
    job, _ = sql_job(tmp_path, "SELECT * FROM read_csv('/etc/passwd')")
    engine = SqlEngine(job, spares)
    engine.prepare()
    with pytest.raises(EngineRefused):
        engine.run()
    engine.cleanup()


def test_the_registry_refuses_what_it_cannot_run(spares: Spares, tmp_path: Path) -> None:
    job, _ = sql_job(tmp_path, "SELECT 1 AS one")
    registry = EngineRegistry()
    with pytest.raises(EngineRefused, match="refuses sql jobs: no sql engine is installed"):
        registry.open(job)

    def make(job: EngineJob) -> Engine:
        return SqlEngine(job, spares)

    registry.register("sql", make, lambda job: "no DuckDB here")
    with pytest.raises(EngineRefused, match="refuses sql jobs: no DuckDB here"):
        registry.open(job)
    with registry.replaced("sql", make):
        assert isinstance(registry.open(job), SqlEngine)
    assert registry.why_not(job) == "no DuckDB here"  # as it was before the block
    with registry.replaced("python", make):
        assert registry.names() == ["python", "sql"]
    assert registry.names() == ["sql"]


def test_saved_models_that_were_not_declared_are_reported(tmp_path: Path) -> None:
    spec = JobSpec.from_data(
        {
            "name": "train",
            "zone": "sandbox",
            "engine": "python",
            "code": {"entrypoint": "train.py"},
            "outputs": {"scorer": {"sensitivity": "highly_sensitive", "kind": "model"}},
        }
    )
    for folder in ("scorer", "stray"):
        (tmp_path / "models" / folder).mkdir(parents=True)
    (tmp_path / "models" / "old.pkl").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    assert undeclared(spec, tmp_path) == ["models/old.pkl", "models/stray", "notes.txt"]
