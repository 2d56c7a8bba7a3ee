"""Production scoring with a 200-tree gradient-boosting model: DuckDB + onnxruntime and Spark.

Run: `.venv/bin/python bench/scoring_bench.py [--rows 1000000,10000000]
[--engines duckdb,spark] [--batch-rows 65536,131072,262144] [--threads 1]`. Not part of the
test run.

1. Writes synthetic merchant features (numpy, ten columns, a few NaN) as Parquet in a
   temporary directory, one file per size.
2. Trains a LightGBM classifier (200 trees, 31 leaves) on 200k rows and converts it to ONNX
   with onnxmltools (ZipMap off), as `labjob.save_model` would.
3. DuckDB: `score_query` streams `SELECT merchant_id, <features>` through the ONNX scorer
   (`jobs.models`), end to end from Parquet; the output is consumed, not written.
   Overhead: the same Arrow batches, already in memory, scored by the lab's scorer against
   the raw model (numpy columns stacked by hand, `InferenceSession.run`), same threads:
   onnxruntime 1 by default (on a shared 2-core machine a second intra-op thread made it
   slower), DuckDB scans with 2.
4. Spark `local[2]`: `score_frame` (mapInArrow, model broadcast) written to the `noop`
   sink; against the same read with a raw `session.run` in mapInArrow. Session start is
   reported apart.

Figures: rows/s, time(10M) / time(1M) (goal <= 11) and lab / raw (goal <= 1.5).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import lightgbm
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobs.models.formats import load_scorer  # noqa: E402
from jobs.models.formats.onnx_model import session as ort_session  # noqa: E402
from jobs.models.scoring import output_schema, score_batches, score_frame, score_query  # noqa: E402

FEATURES = [
    "sales_1m", "sales_3m", "sales_12m", "sales_trend", "refund_rate", "refund_count",
    "loan_count", "loan_amount", "overdue_days", "tenure_months",
]  # fmt: skip
CHUNK = 1_000_000
ROW_GROUP = 262_144


def merchants(start: int, rows: int, rng: np.random.Generator) -> pa.Table:
    sales_12m = rng.gamma(2.0, 60_000.0, rows)
    trend = rng.normal(0.0, 0.25, rows)
    sales_3m = sales_12m / 4 * np.exp(trend)
    columns = {
        "merchant_id": np.arange(start, start + rows, dtype=np.int64),
        "sales_1m": sales_3m / 3 * rng.lognormal(0.0, 0.1, rows),
        "sales_3m": sales_3m,
        "sales_12m": sales_12m,
        "sales_trend": np.where(rng.random(rows) < 0.02, np.nan, trend),
        "refund_rate": rng.beta(2.0, 30.0, rows),
        "refund_count": rng.poisson(3.0, rows).astype(np.float64),
        "loan_count": rng.poisson(1.2, rows).astype(np.float64),
        "loan_amount": rng.gamma(1.5, 20_000.0, rows),
        "overdue_days": rng.exponential(4.0, rows).round(),
        "tenure_months": rng.integers(1, 180, rows).astype(np.float64),
    }
    return pa.table(columns)


def labels(table: pa.Table, rng: np.random.Generator) -> np.ndarray:
    trend = np.nan_to_num(table.column("sales_trend").to_numpy(), nan=0.0)
    logit = (
        -2.0 - 3.0 * trend + 12.0 * table.column("refund_rate").to_numpy()
        + 0.25 * table.column("loan_count").to_numpy()
        + 0.05 * table.column("overdue_days").to_numpy()
        - 0.004 * table.column("tenure_months").to_numpy()
    )  # fmt: skip
    return (rng.random(len(logit)) < 1 / (1 + np.exp(-logit))).astype(np.int64)


def write_parquet(path: Path, rows: int, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    with pq.ParquetWriter(path, merchants(0, 1, rng).schema) as writer:
        for start in range(0, rows, CHUNK):
            writer.write_table(merchants(start, min(CHUNK, rows - start), rng), ROW_GROUP)


def train_onnx(trees: int) -> tuple[bytes, float]:
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType

    began = time.perf_counter()
    rng = np.random.default_rng(1)
    table = merchants(0, 200_000, rng)
    x = np.column_stack([table.column(n).to_numpy() for n in FEATURES])
    model = lightgbm.LGBMClassifier(n_estimators=trees, num_leaves=31, verbose=-1, n_jobs=2)
    model.fit(x, labels(table, rng))
    converted = onnxmltools.convert_lightgbm(
        model, initial_types=[("features", FloatTensorType([None, len(FEATURES)]))], zipmap=False
    )
    return converted.SerializeToString(), time.perf_counter() - began


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def query(path: Path) -> str:
    return f"SELECT merchant_id, {', '.join(FEATURES)} FROM read_parquet('{path}')"


def duckdb_run(path: Path, model: bytes, threads: int, batch_rows: int, scan: int) -> float:
    con = duckdb.connect(config={"threads": scan})
    scorer = load_scorer("onnx", model, features=FEATURES, threads=threads)

    def run() -> None:
        rows = sum(b.num_rows for b in score_query(con, query(path), scorer, ["merchant_id"],
                                                   batch_rows=batch_rows))  # fmt: skip
        assert rows > 0

    return timed(run)


def raw_matrix(batch: pa.RecordBatch) -> np.ndarray:
    x = np.empty((batch.num_rows, len(FEATURES)), dtype=np.float32)
    for j in range(len(FEATURES)):
        x[:, j] = batch.column(j + 1).to_numpy()
    return x


def overhead(
    path: Path, model: bytes, threads: int, batch_rows: int, scan: int
) -> tuple[float, float]:
    """(lab seconds, raw seconds) over the same in-memory Arrow batches."""
    con = duckdb.connect(config={"threads": scan})
    batches = list(con.sql(query(path)).to_arrow_reader(batch_rows))
    scorer = load_scorer("onnx", model, features=FEATURES, threads=threads)
    schema = output_schema(batches[0].schema, ["merchant_id"])
    raw = ort_session(model, threads)

    def lab() -> None:
        for _ in score_batches(batches, scorer, schema):
            pass

    def plain() -> None:
        for batch in batches:
            raw.run(["probabilities"], {"features": raw_matrix(batch)})

    return alternate(lab, plain)


def alternate(lab: Callable[[], object], raw: Callable[[], object]) -> tuple[float, float]:
    """The best of three runs of each, interleaved (the machine's load drifts), after a warm-up."""
    lab(), raw()
    times = [(timed(lab), timed(raw)) for _ in range(3)]
    return min(t[0] for t in times), min(t[1] for t in times)


def start_spark(batch_rows: int) -> tuple[float, Any]:
    from pyspark.sql import SparkSession

    os.environ.update(PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    os.environ["PYTHONPATH"] = f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    began = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_rows))
        .config("spark.sql.files.maxPartitionBytes", "32m")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark.range(1).count()
    return time.perf_counter() - began, spark


def _raw_partition(batches: Iterator[pa.RecordBatch], model: Any) -> Iterator[pa.RecordBatch]:
    from jobs.models.formats.onnx_model import session

    raw = session(model.value, 1)
    for batch in batches:
        (p,) = raw.run(["probabilities"], {"features": raw_matrix(batch)})
        yield pa.RecordBatch.from_arrays([batch.column(0), pa.array(p[:, 1].astype(np.float64))],
                                         names=["merchant_id", "score"])  # fmt: skip


def spark_run(spark: Any, path: Path, model: bytes) -> tuple[float, float]:
    """(lab seconds, raw seconds) scoring the Parquet file into Spark's noop sink."""
    import functools

    frame = spark.read.parquet(str(path)).select("merchant_id", *FEATURES)
    scored = score_frame(frame, "onnx", model, ["merchant_id"], features=FEATURES, threads=1)
    shipped = spark.sparkContext.broadcast(model)
    raw = frame.mapInArrow(functools.partial(_raw_partition, model=shipped), scored.schema)
    sink = lambda df: df.write.format("noop").mode("overwrite").save()  # noqa: E731
    return alternate(lambda: sink(scored), lambda: sink(raw))


def conditions() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,10000000")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--batch-rows", default="131072", help="comma-separated to compare")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime's, in process")
    parser.add_argument("--duckdb-threads", type=int, default=2)
    parser.add_argument("--trees", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(n) for n in args.rows.split(",")]
    engines = set(args.engines.split(","))
    batch_sizes = [int(n) for n in args.batch_rows.split(",")]
    scan = args.duckdb_threads
    print(f"conditions at start: {conditions()}")
    model, trained = train_onnx(args.trees)
    print(
        f"model: LightGBM {args.trees} trees -> ONNX {len(model) / 1e6:.1f} MB in {trained:.1f} s"
    )
    results: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory(prefix="scoring-bench-") as folder:
        paths = {}
        for rows in sizes:
            paths[rows] = Path(folder) / f"merchants_{rows}.parquet"
            spent = timed(lambda p=paths[rows], n=rows: write_parquet(p, n))
            megabytes = paths[rows].stat().st_size / 1e6
            print(f"data: {rows:>11,} rows, {megabytes:.0f} MB in {spent:.1f} s")
        if "duckdb" in engines:
            for rows in sizes:
                for batch in batch_sizes:
                    seconds = duckdb_run(paths[rows], model, args.threads, batch, scan)
                    results[("duckdb", rows)] = min(results.get(("duckdb", rows), 1e9), seconds)
                    print(f"duckdb+onnxruntime {rows:>11,} rows batch {batch:>7,}: "
                          f"{seconds:6.2f} s  {rows / seconds:>12,.0f} rows/s")  # fmt: skip
                lab, raw = overhead(paths[rows], model, args.threads, max(batch_sizes), scan)
                print(f"  in-memory batches: lab {lab:.2f} s, raw session.run {raw:.2f} s, "
                      f"overhead {lab / raw:.2f}x")  # fmt: skip
        if "spark" in engines:
            started, spark = start_spark(max(batch_sizes))
            print(f"spark local[2] session start: {started:.1f} s")
            try:
                for rows in sizes:
                    lab, raw = spark_run(spark, paths[rows], model)
                    results[("spark", rows)] = lab
                    print(f"spark local[2]     {rows:>11,} rows: {lab:6.2f} s  "
                          f"{rows / lab:>12,.0f} rows/s; raw mapInArrow {raw:.2f} s, "
                          f"overhead {lab / raw:.2f}x")  # fmt: skip
            finally:
                spark.stop()
    for engine in ("duckdb", "spark"):
        if len(sizes) > 1 and (engine, sizes[0]) in results and (engine, sizes[-1]) in results:
            ratio = results[(engine, sizes[-1])] / results[(engine, sizes[0])]
            print(f"{engine}: time({sizes[-1]:,}) / time({sizes[0]:,}) = {ratio:.2f} "
                  f"(size ratio {sizes[-1] / sizes[0]:.0f})")  # fmt: skip
    print(f"conditions at end: {conditions()}")


if __name__ == "__main__":
    main()
