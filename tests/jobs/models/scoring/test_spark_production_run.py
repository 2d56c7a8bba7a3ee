"""A production scoring run on Spark gives the in-process run's row-level scores (to 1e-6),
bands and band counts, and so the same partner table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from jobs.models.formats import load_scorer
from jobs.models.scoring import run_scoring, run_scoring_spark
from tests.jobs.models.scoring.data import artifact, declared_features
from tests.jobs.models.scoring.production_data import BANDS, write_production

pytestmark = pytest.mark.slow
ROWS = 3000


@pytest.mark.parametrize("flavour", ["lightgbm", "scorecard"])
def test_spark_and_duckdb_runs_agree(flavour: str, spark: Any, tmp_path: Path) -> None:
    production = write_production(tmp_path, ROWS)
    data, features = artifact(flavour), declared_features(flavour)
    scorer = load_scorer(flavour, data, features=features)
    relation = duckdb.connect().sql(f"SELECT * FROM read_parquet('{production}')")
    local = run_scoring(relation, scorer, "merchant_id", BANDS, tmp_path / "local.parquet",
                        label_column="default", batch_rows=500)  # fmt: skip

    frame = spark.read.parquet(str(production)).repartition(3)
    remote = run_scoring_spark(frame, flavour, data, "merchant_id", BANDS,
                               str(tmp_path / "spark"), label_column="default",
                               features=features)  # fmt: skip

    a = pq.read_table(tmp_path / "local.parquet").sort_by("merchant_id")
    b = pq.read_table(tmp_path / "spark").sort_by("merchant_id")
    assert b.column_names == ["merchant_id", "score", "band"]
    assert a.column("merchant_id").equals(b.column("merchant_id"))
    assert a.column("band").equals(b.column("band"))
    np.testing.assert_allclose(
        b.column("score").to_numpy(), a.column("score").to_numpy(), rtol=0, atol=1e-6
    )
    assert remote.rows == local.rows == ROWS
    for name in ("records", "approved", "labelled", "bads"):
        assert getattr(remote.counts, name).tolist() == getattr(local.counts, name).tolist()
    rules = {"min_cell_count": 10, "rounding": 5}
    assert remote.partner_table(**rules).equals(local.partner_table(**rules))
