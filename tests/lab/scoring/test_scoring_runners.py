"""The same scoring job on DuckDB and on Spark: the same model bytes give the same row-level
scores and bands, and the same partner table."""

from __future__ import annotations

import shutil

import pytest

from jobs.engines.python import sandbox_available
from tests.lab.factories import World
from tests.lab.retention.helpers import stored_rows
from tests.lab.scoring.helpers import deployed_model, run_score

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available())),
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs a Java runtime"),
]


def test_duckdb_and_spark_runners_give_the_same_scores(trained_sqlite_world: World) -> None:
    sqlite_world = trained_sqlite_world
    deployed_model(sqlite_world)
    local = run_score(sqlite_world, runner="duckdb")
    spark = run_score(sqlite_world, runner="spark")
    assert (local["state"], spark["state"]) == ("succeeded", "succeeded"), spark["message"]
    assert (local["model"]["runner"], spark["model"]["runner"]) == ("duckdb", "spark")
    assert local["model"]["deployment_id"] == spark["model"]["deployment_id"]

    def by_key(job: dict[str, object]) -> dict[str, tuple[float, int]]:
        outputs = job["outputs"]
        assert isinstance(outputs, dict)
        rows = stored_rows(sqlite_world.lab, outputs["scores"]["version_id"])
        return {r["merchant_id"]: (r["score"], r["band"]) for r in rows}

    a, b = by_key(local), by_key(spark)
    assert a.keys() == b.keys() and len(a) == 300
    for key, (score, band) in a.items():
        assert b[key][1] == band and abs(b[key][0] - score) < 1e-6, key
    tables = [
        stored_rows(sqlite_world.lab, job["outputs"]["bands"]["version_id"])
        for job in (local, spark)
    ]
    assert tables[0] == tables[1]
