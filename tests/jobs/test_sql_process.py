"""SQL jobs in a child process: limits the process enforces, and the pool of warm spares.

The queries allocate outside DuckDB's buffer manager (list(), string_agg over repeat(), a
huge range unnested), which DuckDB's own memory_limit and interrupt() do not stop; the
child's cgroup, rlimits and the worker's deadline do. The test process's own resident
memory is measured around them: it must stay flat, since the work is not done here.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.engines.sql import SqlLimits, SqlResult
from jobs.engines.sql_process import run_sql_child
from jobs.engines.sql_wire import InputFiles, SqlRequest, read_result, write_result
from jobs.errors import EngineRefused, JobCancelled, LimitExceeded
from jobs.lineage import ColumnLineage, QueryLineage
from jobs.sandbox.cgroups import CgroupUnavailable, JobCgroups
from jobs.sandbox.spare import Spares

ROOT = Path(__file__).resolve().parents[2]
CHILD = [sys.executable, "-m", "tests.jobs.sql_child_plain"]
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}
SMALL = SqlLimits(wall_seconds=20, max_rows=1000, memory_mb=128)
HOGS = {
    "list": "SELECT length(list(r.x)) AS n FROM range(400000000) r(x), t WHERE t.x = 1",
    "string_agg": (
        "SELECT length(string_agg(repeat('x', 1000), ',')) AS n "
        "FROM range(20000000) r(x), t WHERE t.x = 1"
    ),
    "unnest": "SELECT count(*) AS n FROM (SELECT unnest(range(400000000)) AS v FROM t LIMIT 1)",
}


def cgroups_here() -> bool:
    try:
        JobCgroups.create("probe", max_tasks=4, memory_bytes=64 << 20).remove()
    except (CgroupUnavailable, OSError):
        return False
    return True


def gone(pid: int) -> bool:
    """Ended: no such process, or a zombie waiting for whoever adopted it to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def spares() -> Iterator[Spares]:
    pool = Spares(CHILD, ENV, keep=1)
    pool.warm()
    yield pool
    pool.close()


@pytest.fixture
def data(tmp_path: Path) -> InputFiles:
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3, 4], "g": ["a", "a", "b", "b"]}), path)
    return InputFiles((str(path),))


def request(tmp_path: Path, query: str, data: InputFiles, limits: SqlLimits = SMALL) -> SqlRequest:
    return SqlRequest(
        query=query,
        inputs={"t": data},
        limits=limits,
        out_dir=str(tmp_path / f"out-{time.monotonic_ns()}"),
        temp_dir=str(tmp_path / "tmp"),
    )


def run(
    spares: Spares,
    req: SqlRequest,
    *,
    cancelled: Callable[[], bool] = lambda: False,
    use_cgroups: bool = True,
) -> tuple[SqlResult, str]:
    return run_sql_child(req, spares, label="test", cancelled=cancelled, use_cgroups=use_cgroups)


def test_the_query_runs_in_another_process(
    spares: Spares, data: InputFiles, tmp_path: Path
) -> None:
    query = "SELECT g, count(*) AS n, sum(x) AS s FROM t GROUP BY g ORDER BY g"
    result, notes = run(spares, request(tmp_path, query, data))
    assert result.table.to_pylist() == [{"g": "a", "n": 2, "s": 3}, {"g": "b", "n": 2, "s": 7}]
    assert result.count_columns == ("n",)  # a sum of values is not a count (jobs.lineage)
    pid = int(notes.split("(pid ")[1].split(")")[0])
    assert pid != os.getpid() and gone(pid)
    assert "rlimits AS=" in notes


def test_refusals_come_back_as_library_errors(
    spares: Spares, data: InputFiles, tmp_path: Path
) -> None:
    with pytest.raises(EngineRefused, match="not allowed"):
        run(spares, request(tmp_path, "SELECT * FROM read_csv('/etc/passwd')", data))
    with pytest.raises(LimitExceeded, match="max_rows"):
        limits = SqlLimits(wall_seconds=20, max_rows=2, memory_mb=128)
        run(spares, request(tmp_path, "SELECT * FROM t", data, limits))


@pytest.mark.parametrize("use_cgroups", [True, False], ids=["cgroups", "rlimits-and-rss"])
@pytest.mark.parametrize("hog", sorted(HOGS))
def test_memory_limit_stops_what_duckdb_does_not_count(
    spares: Spares, data: InputFiles, tmp_path: Path, hog: str, use_cgroups: bool
) -> None:
    if use_cgroups and not cgroups_here():
        pytest.skip("no cgroup v1 memory and pids controllers here")
    before = rss_mb()
    started = time.monotonic()
    with pytest.raises(LimitExceeded, match=r"needed more than the 128 MB of memory"):
        run(spares, request(tmp_path, HOGS[hog], data), use_cgroups=use_cgroups)
    assert time.monotonic() - started < 15
    assert rss_mb() - before < 30  # the allocation happened elsewhere


def test_the_deadline_stops_a_query_whatever_it_does(
    spares: Spares, data: InputFiles, tmp_path: Path
) -> None:
    limits = SqlLimits(wall_seconds=1, max_rows=10, memory_mb=512)
    query = "SELECT sum(a.x * b.x) AS s FROM range(200000) a(x), range(200000) b(x), t WHERE t.x=1"
    started = time.monotonic()
    with pytest.raises(LimitExceeded, match="longer than 1 s"):
        run(spares, request(tmp_path, query, data, limits))
    assert time.monotonic() - started < 1 + 1 + 3


def test_cancelling_kills_the_child(spares: Spares, data: InputFiles, tmp_path: Path) -> None:
    limits = SqlLimits(wall_seconds=60, max_rows=10, memory_mb=512)
    query = "SELECT sum(a.x * b.x) AS s FROM range(200000) a(x), range(200000) b(x), t WHERE t.x=1"
    at = time.monotonic() + 0.5
    started = time.monotonic()
    with pytest.raises(JobCancelled):
        run(spares, request(tmp_path, query, data, limits), cancelled=lambda: time.monotonic() > at)
    assert time.monotonic() - started < 5


def test_a_spare_that_died_is_replaced(data: InputFiles, tmp_path: Path) -> None:
    pool = Spares(CHILD, ENV, keep=1)
    try:
        pool.warm()
        [_template, pid] = pool.pids()
        os.kill(pid, 9)
        # the signal is delivered when the kernel gets to it: the spare has died once it
        # is gone (a spare killed while it is handed its job fails that job, by design)
        deadline = time.monotonic() + 10
        while not gone(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        result, notes = run(pool, request(tmp_path, "SELECT count(*) AS n FROM t", data))
        assert result.table.to_pylist() == [{"n": 4}] and f"(pid {pid})" not in notes
    finally:
        pool.close()


def test_a_template_that_died_is_started_again(data: InputFiles, tmp_path: Path) -> None:
    pool = Spares(CHILD, ENV, keep=1)
    try:
        pool.warm()
        template, spare = pool.pids()
        os.kill(template, 9)
        time.sleep(0.3)  # a job arriving while it dies is failed by the orphaned spare itself
        result, _ = run(pool, request(tmp_path, "SELECT count(*) AS n FROM t", data))
        assert result.rows == 1 and template not in pool.pids()
        assert gone(spare)  # the spare its death orphaned is not used, and killed
    finally:
        pool.close()


def test_a_job_that_arrives_before_any_spare_is_ready(data: InputFiles, tmp_path: Path) -> None:
    pool = Spares(CHILD, ENV, keep=1)  # not warmed: the job starts its own child and waits
    try:
        result, _ = run(pool, request(tmp_path, "SELECT count(*) AS n FROM t", data))
        assert result.rows == 1
    finally:
        pool.close()


def test_two_worker_threads_each_get_their_own_child(
    spares: Spares, data: InputFiles, tmp_path: Path
) -> None:
    notes: list[str] = []

    def one(i: int) -> None:
        folder = tmp_path / f"w{i}"
        result, how = run(spares, request(folder, "SELECT sum(x) AS s FROM t", data))
        assert result.table.to_pylist() == [{"s": 10}]
        notes.append(how)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    pids = {n.split("(pid ")[1].split(")")[0] for n in notes}
    assert len(notes) == 2 and len(pids) == 2


def test_closing_the_pool_leaves_no_child_behind(data: InputFiles, tmp_path: Path) -> None:
    pool = Spares(CHILD, ENV, keep=2)
    pool.warm()
    pids = pool.pids()
    assert len(pids) == 3  # the template and two children forked from it
    pool.close()
    assert all(gone(pid) for pid in pids)
    with pytest.raises(EngineRefused, match="shutting down"):
        run(pool, request(tmp_path, "SELECT 1 AS n FROM t", data))


def test_the_result_crosses_with_its_lineage_and_contributors(tmp_path: Path) -> None:
    lineage = QueryLineage(
        aggregate=True,
        columns=(ColumnLineage(0, "n", "aggregate", ("t.x",), True, "count of rows"),),
        reason="every column is an aggregate",
        counted_query="SELECT count(*) AS n, count(*) AS __lab_rows FROM t",
    )
    sent = SqlResult(
        table=pa.table({"n": [4]}),
        rows=1,
        truncated=False,
        elapsed=0.1,
        count_columns=("n",),
        lineage=lineage,
        contributors=pa.table({"rows": pa.array([4], pa.int64())}),
    )
    write_result(tmp_path, sent)
    got = read_result(tmp_path, max_bytes=1 << 20)
    assert got is not None
    assert got.table.equals(sent.table) and got.lineage == lineage
    assert got.contributors is not None and got.contributors.equals(sent.contributors)
    with pytest.raises(LimitExceeded):
        read_result(tmp_path, max_bytes=10)
