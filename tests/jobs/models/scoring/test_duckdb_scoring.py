"""In-process scoring: a DuckDB query's Arrow batches through a Scorer, keys plus score."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.models.formats import FLAVOURS, ScoringInputInvalid, load_scorer
from jobs.models.scoring import score_query
from tests.jobs.models.scoring.data import artifact, declared_features, write_merchants

ROWS = 6000


@pytest.fixture(scope="module")
def merchants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_merchants(tmp_path_factory.mktemp("scoring"), ROWS)


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_every_row_is_scored_once_with_its_keys(flavour: str, merchants: Path) -> None:
    scorer = load_scorer(flavour, artifact(flavour), features=declared_features(flavour))
    con = duckdb.connect()
    reader = score_query(
        con, "SELECT * FROM read_parquet(?) WHERE merchant_id >= ?", scorer,
        ["merchant_id", "region"], parameters=[str(merchants), 100], batch_rows=2048,
    )  # fmt: skip
    assert reader.schema == pa.schema(
        [("merchant_id", pa.int64()), ("region", pa.string()), ("score", pa.float64())]
    )
    batches = list(reader)
    assert len(batches) > 1 and max(b.num_rows for b in batches) <= 2048
    scored = pa.Table.from_batches(batches).sort_by("merchant_id")
    source = pq.read_table(merchants).filter(pa.compute.field("merchant_id") >= 100)
    expected = scorer.score(source.combine_chunks().to_batches()[0]).to_numpy()
    assert scored.column("merchant_id").to_pylist() == list(range(100, ROWS))
    assert scored.column("region").to_pylist() == source.column("region").to_pylist()
    np.testing.assert_allclose(scored.column("score").to_numpy(), expected, rtol=0, atol=1e-12)


def test_a_missing_feature_or_key_is_named(merchants: Path) -> None:
    scorer = load_scorer("lightgbm", artifact("lightgbm"))
    con = duckdb.connect()
    query = f"SELECT merchant_id, sales_trend FROM read_parquet('{merchants}')"
    with pytest.raises(ScoringInputInvalid, match="'refund_rate' is missing"):
        list(score_query(con, query, scorer, ["merchant_id"]))
    everything = f"SELECT * FROM read_parquet('{merchants}')"
    with pytest.raises(ScoringInputInvalid, match="key column 'id' is missing"):
        score_query(con, everything, scorer, ["id"])
    with pytest.raises(ScoringInputInvalid, match="'score' is also a key"):
        score_query(con, everything, scorer, ["merchant_id", "score"])
    with pytest.raises(ScoringInputInvalid, match="at least one key"):
        score_query(con, everything, scorer, [])


def test_a_feature_of_the_wrong_type_is_named(merchants: Path) -> None:
    scorer = load_scorer("lightgbm", artifact("lightgbm"))
    query = (
        "SELECT * REPLACE (CAST(tenure_months AS VARCHAR) AS tenure_months) "
        f"FROM read_parquet('{merchants}')"
    )
    with pytest.raises(ScoringInputInvalid, match=r"'tenure_months' must be numeric.*string"):
        list(score_query(duckdb.connect(), query, scorer, ["merchant_id"]))
