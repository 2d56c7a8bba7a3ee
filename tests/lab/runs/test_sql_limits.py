"""Limits hold for every engine, outside the API process.

SQL jobs run in a child process (never in the process that serves the API and runs the
worker threads), so a query that allocates outside DuckDB's buffer manager, or ignores its
interrupt, is stopped by the process's limits and the job ends `limit-exceeded`; outputs
are judged by their Parquet footer before they are read. The test process plays the API
and the worker: its resident memory is measured around each job and must stay flat.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from jobs.engines.python import sandbox_available
from lab.runs.sql_job import sql_spares
from lab.work.handlers import HANDLERS
from lab.work.pool import WorkerPool
from lab.work.queue import get_item
from lab.work.worker import Worker
from tests.jobs.test_sql_process import gone
from tests.lab.factories import World
from tests.lab.retention.helpers import write_sample

JOBS = "/v1/tenants/acme/zones/sandbox/jobs"
HOGS = {
    "list": "SELECT length(list(r.x)) AS n "
    "FROM range(400000000) r(x), (SELECT count(*) AS c FROM merchants) m",
    "string_agg": "SELECT length(string_agg(repeat(m.city, 400), ',')) AS n "
    "FROM merchants m, range(100000) r(x)",
}
BOMB = """
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
chunk = pa.table({"c": pa.array(np.zeros(4_000_000, dtype=np.int64))})
with pq.ParquetWriter("/workspace/outputs/by_city.parquet", chunk.schema) as writer:
    for _ in range(30):
        writer.write_table(chunk, row_group_size=chunk.num_rows)
"""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def sql_spec(query: str, *, wall_seconds: int = 20, memory_mb: int = 128) -> str:
    return yaml.safe_dump(
        {
            "name": "limits",
            "zone": "sandbox",
            "engine": "sql",
            "inputs": {"merchants": {"dataset": "merchants"}},
            "code": {"query": query},
            "outputs": {"result": {"sensitivity": "moderately_sensitive", "kind": "table"}},
            "resources": {"wall_seconds": wall_seconds, "memory_mb": memory_mb},
        }
    )


def run(world: World, spec: str, bundle: bytes | None = None) -> dict[str, Any]:
    files: dict[str, Any] = {"spec": ("job.yaml", spec.encode())}
    if bundle is not None:
        files["bundle"] = ("b.zip", bundle)
    response = world.post("a-eng", JOBS, files=files)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert Worker(world.lab, HANDLERS).run_once() == job_id
    status: dict[str, Any] = world.get("a-eng", f"{JOBS}/{job_id}").json()
    return status


def test_the_api_process_never_executes_user_sql(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def tripwire(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a DuckDB connection was opened in the API/worker process")

    write_sample(sqlite_world.lab, rows=300)
    monkeypatch.setattr(duckdb, "connect", tripwire)
    job = run(sqlite_world, sql_spec("SELECT city, count(*) AS n FROM merchants GROUP BY city"))
    assert job["state"] == "succeeded", job
    with sqlite_world.lab.read() as session:
        confinement = get_item(session, job["id"]).result["confinement"]
    pid = int(confinement.split("(pid ")[1].split(")")[0])
    assert pid != os.getpid() and "memory.limit=192MiB" in confinement


@pytest.mark.parametrize("hog", sorted(HOGS))
def test_a_query_past_its_memory_ends_limit_exceeded_and_the_api_stays_flat(
    sqlite_world: World, hog: str
) -> None:
    write_sample(sqlite_world.lab, rows=300)
    sql_spares().warm()
    before = rss_mb()
    job = run(sqlite_world, sql_spec(HOGS[hog]))
    assert (job["state"], job["status"]) == ("failed", "limit-exceeded"), job["message"]
    assert "128 MB of memory" in job["message"]
    assert rss_mb() - before < 40


def test_a_query_past_its_wall_clock_ends_limit_exceeded(sqlite_world: World) -> None:
    write_sample(sqlite_world.lab, rows=300)
    query = (
        "SELECT sum(a.x * b.x) AS s FROM range(300000) a(x), range(300000) b(x), "
        "(SELECT count(*) AS c FROM merchants) m"
    )
    job = run(sqlite_world, sql_spec(query, wall_seconds=2, memory_mb=512))
    assert (job["state"], job["status"]) == ("failed", "limit-exceeded"), job["message"]
    assert "longer than 2 s" in job["message"]


@pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available()))
def test_a_tiny_output_declaring_120m_rows_is_refused_unread(sqlite_world: World) -> None:
    write_sample(sqlite_world.lab, rows=50)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bomb.py", BOMB)
    spec = yaml.safe_dump(
        {
            "name": "bomb",
            "zone": "sandbox",
            "engine": "python",
            "code": {"entrypoint": "bomb.py"},
            "outputs": {"by_city": {"sensitivity": "moderately_sensitive", "kind": "table"}},
            "resources": {"wall_seconds": 60, "memory_mb": 1024, "max_rows": 100000},
        }
    )
    before = rss_mb()
    job = run(sqlite_world, spec, buffer.getvalue())
    assert (job["state"], job["status"]) == ("failed", "limit-exceeded"), job["message"]
    assert "declares more than the" in job["message"] and "120000000" not in job["message"]
    assert rss_mb() - before < 40


def test_the_worker_pool_warms_sql_children_and_leaves_none_at_shutdown(
    sqlite_world: World,
) -> None:
    pool = WorkerPool(sqlite_world.lab, 2).start()
    pids = sql_spares().pids()
    assert len(pids) == 3 and not any(gone(pid) for pid in pids)
    pool.shutdown()
    assert all(gone(pid) for pid in pids)
