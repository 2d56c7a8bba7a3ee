"""Spark jobs on a cluster: the sandboxed job is a Spark Connect client of a real standalone
cluster (master, worker, Connect server started for the test session), nothing more."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.engines.python import PythonLimits
from jobs.engines.spark import check_master, spark_available
from jobs.engines.spark_cluster import connect_endpoint
from jobs.errors import EngineRefused
from jobs.sandbox.layout import SITE
from jobs.sandbox.spark_layout import connect_layout, spark_layout
from tests.jobs.spark.conftest import SparkJob, escaped, needs_spark
from tests.spark_cluster import Cluster, free_port

CLIENT_LIMITS = PythonLimits(wall_seconds=90, memory_mb=1024, cpu_seconds=90, max_processes=64)


@pytest.mark.parametrize(
    ("master", "endpoint"),
    [
        ("sc://spark-connect:15002", ("spark-connect", 15002)),
        ("sc://127.0.0.1:15002/", ("127.0.0.1", 15002)),
        ("sc://spark-connect", None),  # the port is required
        ("sc://spark-connect:0", None),
        ("sc://spark-connect:70000", None),
        ("sc://spark-connect:15002/;token=abc", None),  # the lab sets the session, not the URL
        ("sc://spark-connect:15002/;user_id=other", None),
        ("sc://-bad-:15002", None),
        ("spark://master:7077", None),
        ("local[2]", None),
    ],
)
def test_connect_endpoints(master: str, endpoint: tuple[str, int] | None) -> None:
    assert connect_endpoint(master) == endpoint


def test_a_connect_master_is_a_cluster_and_spark_urls_are_refused() -> None:
    assert check_master("sc://spark-connect:15002") == ("spark-connect", 15002)
    with pytest.raises(EngineRefused, match="sc://host:port"):
        check_master("spark://master:7077")


pytestmark = [pytest.mark.slow]


def _write_input(job: SparkJob) -> None:
    table = pa.table({"city": ["Wuhan", "Chengdu", "Wuhan"] * 200, "sales": list(range(600))})
    pq.write_table(table, job.inputs / "merchants.parquet")


@needs_spark
def test_a_job_runs_on_the_cluster_and_its_results_come_back(
    spark_job: SparkJob, spark_cluster: Cluster
) -> None:
    _write_input(spark_job)
    result = spark_job.run(
        """
        import labjob
        from pyspark.sql import functions as F

        spark = labjob.spark()
        print("master", spark.conf.get("spark.master"))
        df = labjob.read_spark("merchants")
        doubled = F.udf(lambda v: v * 2, "long")  # Python runs on the cluster's executors
        twice, n = F.sum(doubled("sales")).alias("twice"), F.count("*").alias("n")
        out = df.groupBy("city").agg(twice, n)
        labjob.write_spark("by_city", out)
        """,
        master=spark_cluster.connect_url,
        limits=CLIENT_LIMITS,
    )
    assert result.status == "succeeded", (result.message, result.log)
    assert f"master {spark_cluster.master_url}" in result.log
    assert "Spark Connect client of 127.0.0.1" in result.confinement
    rows = pq.read_table(result.outputs_dir / "by_city.parquet").to_pylist()
    assert sorted((r["city"], r["n"]) for r in rows) == [("Chengdu", 200), ("Wuhan", 400)]
    assert sum(r["twice"] for r in rows) == 2 * sum(range(600))


@needs_spark
def test_on_a_cluster_the_job_still_has_no_network_but_the_relayed_socket(
    spark_job: SparkJob, spark_cluster: Cluster
) -> None:
    result = spark_job.run(
        f"""
        import os, socket
        for family, address in [(socket.AF_INET, ("127.0.0.1", {spark_cluster.connect_port})),
                                (socket.AF_INET, ("1.1.1.1", 443)),
                                (socket.AF_INET6, ("::1", {spark_cluster.connect_port}))]:
            try:
                socket.socket(family).connect(address)
                print("ESCAPED", address)
            except OSError as exc:
                print("refused", address, exc.errno)
        try:
            socket.getaddrinfo("example.com", 443)
            print("ESCAPED dns")
        except OSError:
            print("refused dns")
        print("remote", os.environ["LABJOB_SPARK_REMOTE"])
        print("inside /run/lab:", sorted(os.listdir("/run/lab")))
        try:
            open("/run/lab/other", "w")
            print("ESCAPED wrote next to the socket")
        except OSError:
            print("refused write")
        """,
        master=spark_cluster.connect_url,
        limits=CLIENT_LIMITS,
    )
    assert result.status == "succeeded", (result.message, result.log)
    assert escaped(result) == []
    assert "inside /run/lab: ['spark-connect.sock']" in result.log


@needs_spark
def test_the_session_is_released_when_the_job_ends(
    spark_job: SparkJob, spark_cluster: Cluster
) -> None:
    from pyspark.sql.connect.client.core import DefaultChannelBuilder, SparkConnectClient

    result = spark_job.run(
        """
        import os, labjob
        spark = labjob.spark()
        spark.range(10).createOrReplaceTempView("left_behind")
        print("session", os.environ["LABJOB_SPARK_SESSION"], os.environ["LABJOB_SPARK_USER"])
        """,
        master=spark_cluster.connect_url,
        limits=CLIENT_LIMITS,
    )
    assert result.status == "succeeded", (result.message, result.log)
    session, user = result.log.split("session ", 1)[1].split()[:2]
    url = f"{spark_cluster.connect_url}/;session_id={session};user_id={user}"
    client = SparkConnectClient(DefaultChannelBuilder(url))
    try:
        with pytest.raises(Exception, match="SESSION_CLOSED"):
            client.interrupt_all()
    finally:
        client.close()


def test_a_cluster_that_does_not_answer_refuses_the_job_at_once(spark_job: SparkJob) -> None:
    port = free_port()
    with pytest.raises(EngineRefused, match=f"Spark cluster at 127.0.0.1:{port} does not answer"):
        spark_job.run("import labjob\n", master=f"sc://127.0.0.1:{port}", limits=CLIENT_LIMITS)
    assert not spark_job.workspace.exists()  # refused before anything was prepared


@needs_spark
def test_a_cluster_client_sees_pyspark_but_no_jvm_and_no_shell() -> None:
    assert spark_available("sc://spark-connect:15002") is None  # no JVM needed for a client
    inside = {dest for _, dest in connect_layout().binds}
    assert f"{SITE}/pyspark" in inside and f"{SITE}/grpc" in inside
    local = spark_layout()
    assert local.java_home in {dest for _, dest in local.base.binds}
    assert local.java_home not in inside
    assert "/usr/bin/bash" not in inside
