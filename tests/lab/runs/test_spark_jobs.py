"""A PySpark job end to end: sandboxed like Python jobs, over the same encrypted datasets."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from jobs.engines.spark import spark_available
from lab.work.handlers import HANDLERS
from lab.work.worker import Worker
from tests.lab.factories import World, standard_world
from tests.lab.retention.helpers import stored_rows, write_sample
from tests.spark_cluster import Cluster

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(spark_available() is not None, reason=str(spark_available())),
]
JOBS = "/v1/tenants/acme/zones/sandbox/jobs"

CODE = """
import labjob
df = labjob.read_spark("merchants")
labjob.write_spark("by_city", df.groupBy("city").count().withColumnRenamed("count", "n"))
"""


def test_a_spark_job_aggregates_an_encrypted_dataset(sqlite_world: World) -> None:
    _aggregates_by_city(sqlite_world)


def test_with_a_cluster_set_spark_jobs_run_there(tmp_path: Path, spark_cluster: Cluster) -> None:
    world = standard_world(tmp_path / "home", spark_cluster=spark_cluster.connect_url)
    try:
        job = _aggregates_by_city(world)
    finally:
        world.close()
    assert f"Spark Connect client of 127.0.0.1:{spark_cluster.connect_port}" in str(job)


def _aggregates_by_city(world: World) -> dict[str, Any]:
    write_sample(world.lab, rows=1400)
    spec = {
        "name": "spark-by-city",
        "zone": "sandbox",
        "engine": "spark",
        "inputs": {"merchants": {"dataset": "merchants"}},
        "code": {"entrypoint": "job.py"},
        "outputs": {"by_city": {"sensitivity": "moderately_sensitive", "kind": "table"}},
        "resources": {"wall_seconds": 240, "memory_mb": 2048},
    }
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("job.py", CODE)
    response = world.post(
        "a-eng",
        JOBS,
        files={
            "spec": ("job.yaml", yaml.safe_dump(spec).encode()),
            "bundle": ("b.zip", bundle.getvalue()),
        },
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert Worker(world.lab, HANDLERS).run_once() == job_id
    job = world.get("a-eng", f"{JOBS}/{job_id}").json()
    assert job["state"] == "succeeded", job
    out = job["outputs"]["by_city"]
    assert (out["disposition"], out["lineage"]) == ("review", "unproven")
    rows = stored_rows(world.lab, out["version_id"])
    assert sorted(r["city"] for r in rows) == sorted(
        ["Hangzhou", "Shenzhen", "Chengdu", "Wuhan", "Xi'an", "Suzhou", "Nanjing"]
    )
    assert sum(r["n"] for r in rows) == 1400
    return job
