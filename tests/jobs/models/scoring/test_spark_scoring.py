"""Spark scores with the same model bytes and the same Scorer as DuckDB, to 1e-6."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from jobs.models.formats import FLAVOURS, ScoringInputInvalid, load_scorer
from jobs.models.scoring import score_frame, score_query
from tests.jobs.models.scoring.data import artifact, declared_features, write_merchants

pytestmark = pytest.mark.slow
ROWS = 5000


@pytest.fixture(scope="module")
def merchants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_merchants(tmp_path_factory.mktemp("spark-scoring"), ROWS)


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_spark_and_duckdb_give_the_same_scores(flavour: str, spark: Any, merchants: Path) -> None:
    data, features = artifact(flavour), declared_features(flavour)
    scorer = load_scorer(flavour, data, features=features)
    query = f"SELECT * FROM read_parquet('{merchants}')"
    local = pa.Table.from_batches(
        list(score_query(duckdb.connect(), query, scorer, ["merchant_id"]))
    )

    frame = spark.read.parquet(str(merchants)).repartition(3)
    scored = score_frame(frame, flavour, data, ["merchant_id"], features=features)
    assert [(f.name, f.dataType.simpleString()) for f in scored.schema.fields] == [
        ("merchant_id", "bigint"),
        ("score", "double"),
    ]
    remote = scored.toArrow()
    assert remote.num_rows == ROWS

    a = local.sort_by("merchant_id")
    b = remote.sort_by("merchant_id")
    assert a.column("merchant_id").equals(b.column("merchant_id"))
    np.testing.assert_allclose(
        b.column("score").to_numpy(), a.column("score").to_numpy(), rtol=0, atol=1e-6
    )


def test_spark_refuses_a_missing_feature_before_any_task(spark: Any, merchants: Path) -> None:
    frame = spark.read.parquet(str(merchants)).drop("refund_rate")
    with pytest.raises(ScoringInputInvalid, match="'refund_rate' is missing"):
        score_frame(frame, "lightgbm", artifact("lightgbm"), ["merchant_id"])
