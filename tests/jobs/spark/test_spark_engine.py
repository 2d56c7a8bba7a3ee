"""The Spark engine end to end: a PySpark job reads its input, aggregates, writes one file."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.engines.python import PythonLimits
from jobs.engines.spark import check_master, run_spark, spark_available
from jobs.errors import EngineRefused, SpecInvalid
from tests.jobs.spark.conftest import SPARK_LIMITS, SparkJob, escaped, needs_spark


def merchants(n: int = 3000) -> pa.Table:
    return pa.table(
        {
            "city": [f"city-{i % 7}" for i in range(n)],
            "category": [i % 3 for i in range(n)],
            "monthly_sales": [float(i % 101) for i in range(n)],
        }
    )


def test_spark_available_says_none_or_why() -> None:
    why_not = spark_available()
    assert why_not is None or (isinstance(why_not, str) and why_not)
    assert spark_available() == why_not  # probed once


def test_only_local_masters_and_no_spark_environment(tmp_path: Path) -> None:
    assert check_master("local") == 1
    assert check_master("local[2]") == 2
    for master in ("spark://cluster:7077", "yarn", "k8s://https://k8s:443", "local[*]"):
        with pytest.raises(EngineRefused, match="local"):
            check_master(master)
    (tmp_path / "job.py").write_text("pass\n")
    with pytest.raises(SpecInvalid, match="1024 MiB"):
        run_spark(
            tmp_path, "job.py", inputs_dir=tmp_path, workspace=tmp_path / "w",
            limits=PythonLimits(wall_seconds=10, memory_mb=512, cpu_seconds=10),
        )  # fmt: skip
    if spark_available() is not None:
        return
    for name in ("PYSPARK_SUBMIT_ARGS", "SPARK_CONF_DIR", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS"):
        with pytest.raises(SpecInvalid, match=name):
            run_spark(
                tmp_path, "job.py", inputs_dir=tmp_path, workspace=tmp_path / "w",
                limits=SPARK_LIMITS, env={name: "--packages org.evil:evil:1.0"},
            )  # fmt: skip


@pytest.mark.slow
@needs_spark
def test_a_spark_job_aggregates_its_input_into_one_parquet_file(spark_job: SparkJob) -> None:
    table = merchants()
    pq.write_table(table, spark_job.inputs / "merchants.parquet")
    result = spark_job.run(
        """
        import labjob
        from pyspark.sql import functions as F

        spark = labjob.spark()
        conf = spark.sparkContext.getConf()
        print("master", spark.sparkContext.master)
        print("ui", conf.get("spark.ui.enabled"), "eventlog", conf.get("spark.eventLog.enabled"))
        print("heap", spark.sparkContext._jvm.java.lang.Runtime.getRuntime().maxMemory() >> 20)
        df = labjob.read_spark("merchants")
        out = df.groupBy("city").agg(
            F.count("*").alias("n"),
            F.sum("monthly_sales").alias("total"),
            F.avg("monthly_sales").alias("mean"),
        )
        print("wrote", labjob.write_spark("by_city", out))
        """
    )
    assert result.status == "succeeded", result.log[-3000:]
    assert escaped(result) == []
    assert "master local[2]" in result.log
    assert "ui false eventlog false" in result.log
    heap = int(result.log.split("heap ", 1)[1].split()[0])
    assert 900 <= heap <= 1024  # half of the 2048 MiB limit
    assert "wrote /workspace/outputs/by_city.parquet" in result.log
    assert sorted(p.name for p in result.outputs_dir.iterdir()) == ["by_city.parquet"]
    got = pq.read_table(result.outputs_dir / "by_city.parquet").to_pandas()
    want = (
        table.to_pandas()
        .groupby("city")["monthly_sales"]
        .agg(n="count", total="sum", mean="mean")
        .reset_index()
    )
    got = got.sort_values("city").reset_index(drop=True)
    assert list(got["city"]) == list(want["city"])
    assert list(got["n"]) == list(want["n"])
    assert got["total"].round(6).tolist() == want["total"].round(6).tolist()
    assert got["mean"].round(6).tolist() == want["mean"].round(6).tolist()
    assert "seccomp filter on" in result.confinement
    assert not (spark_job.workspace / "spark-tmp").exists()  # scratch removed after the run
