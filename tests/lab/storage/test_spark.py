"""Spark reads an encrypted version through tasks that hold only that version's data key."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab.keys.envelope import unwrap
from lab.keys.hierarchy import zone_tenant_key_name
from lab.keys.keyring import StoredKey
from lab.storage.spark import read_spark, task_function
from tests.lab.storage.factories import SMALL_FILES, expected_sum, make_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    saved = {k: os.environ.get(k) for k in ("PYSPARK_PYTHON", "SPARK_LOCAL_IP")}
    os.environ.update(PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("lab-storage-test")
        .config("spark.ui.enabled", "false")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def test_spark_reads_the_version_with_only_its_data_key(spark: Any, tmp_path: Path) -> None:
    from pyspark.cloudpickle import dumps
    from pyspark.sql import functions as F

    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'metastore.db'}", limits=SMALL_FILES)
    wanted = world.write(40_000, marker=True)
    other = world.write(1_000, tenant="globex")
    with world.sessions() as session:
        source = world.store.spark_input(session, wanted.id)
        other_key = world.store.data_keys_for(session, [other.id])[other.key_name]
        rows = {k.name: k for k in session.query(StoredKey)}
    world.close()

    zone_keys = {
        name: unwrap(world.master, rows[name].wrapped, purpose=name)
        for name in (
            zone_tenant_key_name("sandbox", "acme"),
            zone_tenant_key_name("sandbox", "globex"),
        )
    }
    assert set(source.keys) == {wanted.key_name}
    assert len(source.files) == len(wanted.files) > 1
    shipped = dumps(task_function(source, source.schema))  # type: ignore[no-untyped-call]
    assert source.keys[wanted.key_name] in shipped
    for secret in (world.master, *zone_keys.values(), other_key):
        assert secret not in shipped

    frame = read_spark(spark, source)
    assert frame.rdd.getNumPartitions() == len(wanted.files)
    per_city = frame.groupBy("city").agg(F.count("*").alias("n"), F.sum("sales").alias("s"))
    rows_by_city = per_city.collect()
    assert len(rows_by_city) == 7
    assert sum(r["n"] for r in rows_by_city) == 40_000
    assert sum(r["s"] for r in rows_by_city) == expected_sum(40_000, marker=True)
