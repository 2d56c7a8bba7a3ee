"""Spark local[2] against DuckDB on one aggregate, and what an isolated Spark job costs to start.

Run: `.venv/bin/python bench/spark_vs_duckdb_bench.py [--rows 1000000 10000000]`. Writes
synthetic merchant tables (city and category ints, sales floats) as Parquet in a temporary
directory, then measures `GROUP BY city` with sum / avg / count:

- DuckDB (in process, reading the Parquet file, 2 threads);
- Spark `local[2]` (the session start measured once, each query with the session warm).

Then the end-to-end cost of a trivial sandboxed job: `run_spark` (starts a SparkSession,
counts 10 rows) against `run_python` (imports labjob), and the same Spark job as a Spark
Connect client of a standalone cluster (master, one worker and a Connect server started on
this machine for the bench: `LAB_SPARK_CLUSTER`). That part needs root and bubblewrap and is
skipped, saying why, where the sandbox is unavailable. Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the tests' cluster helper is not installed

from jobs.engines.python import PythonLimits, run_python, sandbox_available  # noqa: E402
from jobs.engines.spark import run_spark, spark_available  # noqa: E402
from tests.spark_cluster import spark_cluster  # noqa: E402

CITIES = 300
CATEGORIES = 20
DUCKDB_QUERY = (
    "SELECT city, sum(sales) AS total, avg(sales) AS mean, count(*) AS n "
    "FROM read_parquet('{path}') GROUP BY city"
)
REPEATS = 5
WARM_UPS = 2


def write_table(path: Path, rows: int, seed: int = 7) -> None:
    """`rows` synthetic merchant rows, written in chunks of 2M to bound memory."""
    rng = np.random.default_rng(seed)
    chunk = 2_000_000
    writer: pq.ParquetWriter | None = None
    try:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            table = pa.table(
                {
                    "merchant_id": np.arange(start, start + n, dtype=np.int64),
                    "city": rng.integers(0, CITIES, n, dtype=np.int32),
                    "category": rng.integers(0, CATEGORIES, n, dtype=np.int32),
                    "sales": rng.gamma(2.0, 5000.0, n),
                }
            )
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=1_000_000)
    finally:
        if writer is not None:
            writer.close()


def timed(action: Callable[[], object], repeats: int = REPEATS) -> tuple[float, object]:
    """The median wall time of `repeats` runs, and the last result."""
    times = []
    result: object = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def start_spark() -> tuple[float, Any]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    start = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.range(1).count()  # the first action starts the executor side too
    return time.perf_counter() - start, spark


def spark_query(spark: Any, path: Path) -> Callable[[], object]:
    from pyspark.sql import functions as F

    def run() -> object:
        df = spark.read.parquet(str(path))
        out = df.groupBy("city").agg(
            F.sum("sales").alias("total"), F.avg("sales").alias("mean"), F.count("*").alias("n")
        )
        return out.collect()

    return run


def duckdb_query(path: Path) -> Callable[[], object]:
    connection = duckdb.connect()
    connection.execute("SET threads = 2")

    def run() -> object:
        return connection.execute(DUCKDB_QUERY.format(path=path)).fetchall()

    return run


def compare(paths: dict[int, Path]) -> None:
    print("\n== aggregate: GROUP BY city, sum/avg/count (median of 5, warm) ==")
    startup, spark = start_spark()
    print(f"Spark local[2] session start (first action included): {startup:.2f} s")
    print(f"{'rows':>12} {'parquet MiB':>12} {'DuckDB s':>10} {'Spark s':>10} {'Spark/DuckDB':>13}")
    measured: list[tuple[int, float, float]] = []
    try:
        for rows, path in paths.items():
            duck, duck_rows = timed(duckdb_query(path))
            query = spark_query(spark, path)
            for _ in range(WARM_UPS):  # JIT, file listing, metadata cache
                query()
            sparked, spark_rows = timed(query)
            assert len(duck_rows) == len(spark_rows) == CITIES  # type: ignore[arg-type]
            size = path.stat().st_size / 2**20
            ratio = sparked / duck
            print(f"{rows:>12,} {size:>12.1f} {duck:>10.3f} {sparked:>10.3f} {ratio:>12.1f}x")
            measured.append((rows, duck, sparked))
    finally:
        spark.stop()
    break_even(measured)


def break_even(measured: list[tuple[int, float, float]]) -> None:
    """From the smallest and largest size: each engine's cost per extra million rows."""
    if len(measured) < 2:
        return
    (rows_a, duck_a, spark_a), (rows_b, duck_b, spark_b) = measured[0], measured[-1]
    millions = (rows_b - rows_a) / 1e6
    duck_slope, spark_slope = (duck_b - duck_a) / millions, (spark_b - spark_a) / millions
    print(
        f"per extra million rows: DuckDB {duck_slope * 1000:.1f} ms, "
        f"Spark {spark_slope * 1000:.1f} ms"
    )
    if spark_slope <= 0 or duck_slope <= 0:
        print("no stable estimate: fixed costs dominate at these sizes (try larger --rows)")
    elif spark_slope >= duck_slope:
        print("Spark does not catch up on this machine: its cost per row is higher too")
    else:
        rows = (spark_a - duck_a) / (duck_slope - spark_slope) * 1e6 + rows_a
        print(f"Spark would break even near {rows:,.0f} rows")


def isolated_startup() -> None:
    print("\n== isolated job start-up, end to end (median of 2) ==")
    why_not = spark_available() or sandbox_available()
    if why_not is not None:
        print(f"skipped: {why_not}")
        return
    limits = PythonLimits(wall_seconds=120, memory_mb=2048, cpu_seconds=120)
    with tempfile.TemporaryDirectory(prefix="lab-bench-jobs-") as tmp:
        root = Path(tmp)
        bundle, inputs = root / "bundle", root / "inputs"
        bundle.mkdir()
        inputs.mkdir()
        (bundle / "py.py").write_text("import labjob\nprint(len(labjob.inputs()))\n")
        (bundle / "sp.py").write_text("import labjob\nprint(labjob.spark().range(10).count())\n")
        rows: list[tuple[str, float]] = []

        def measure(label: str, entry: str, runner: Callable[..., Any]) -> bool:
            elapsed = []
            for attempt in range(2):
                work = root / f"work-{len(rows)}-{attempt}"
                result = runner(bundle, entry, inputs_dir=inputs, workspace=work, limits=limits)
                if result.status != "succeeded":
                    print(f"{label} job {result.status}: {result.message}")
                    return False
                elapsed.append(result.elapsed)
            rows.append((label, statistics.median(elapsed)))
            return True

        if not (measure("python", "py.py", run_python) and measure("spark", "sp.py", run_spark)):
            return
        with spark_cluster(root / "cluster") as cluster:  # started after the local runs
            on_cluster = partial(run_spark, master=cluster.connect_url)
            if not measure("spark on the cluster", "sp.py", on_cluster):
                return
    for label, seconds in rows:
        print(f"{label:>21} job: {seconds:6.2f} s")
    print(f"   Spark job / Python job: {rows[1][1] / rows[0][1]:.0f}x")
    print(f"   Spark job on the cluster / Python job: {rows[2][1] / rows[0][1]:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; python {sys.version.split()[0]}; duckdb {duckdb.__version__}")
    with tempfile.TemporaryDirectory(prefix="lab-bench-spark-") as tmp:
        paths: dict[int, Path] = {}
        for rows in args.rows:
            path = Path(tmp) / f"merchants_{rows}.parquet"
            start = time.perf_counter()
            write_table(path, rows)
            print(f"wrote {rows:,} rows in {time.perf_counter() - start:.1f} s")
            paths[rows] = path
        isolated_startup()  # first, with no other JVM running
        compare(paths)


if __name__ == "__main__":
    main()
