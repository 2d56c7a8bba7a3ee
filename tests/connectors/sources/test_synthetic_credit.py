"""The "credit" merchants: a default label a plain model learns from the sales trend, the
refund rate and the loan history, and not from shuffled labels; the same seed, the same rows."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from connectors.sources import open_source
from connectors.sources.synthetic import PII_COLUMNS, SyntheticSource

ROWS = 20_000


def _table(rows: int, seed: int, batch_rows: int = 65_536) -> pa.Table:
    source = SyntheticSource(rows=rows, seed=seed, profile="credit")
    return pa.Table.from_batches(list(source.batches(batch_rows)), schema=source.schema())


@pytest.fixture(scope="module")
def merchants() -> pa.Table:
    return _table(ROWS, seed=21)


def _features(table: pa.Table) -> npt.NDArray[np.float64]:
    """What an analyst would derive: the water level, refunds, loan history, leverage."""
    col = {name: table.column(name).to_numpy() for name in table.column_names}
    prior = col["sales_m01"] + col["sales_m02"] + col["sales_m03"]
    recent = col["sales_m04"] + col["sales_m05"] + col["sales_m06"]
    x = np.c_[
        np.log(recent / prior),
        col["refund_rate"],
        col["overdue"],
        col["loans"],
        col["outstanding_loan"] / (prior + recent),
        col["rating"],
    ].astype(np.float64)
    return (x - x.mean(axis=0)) / x.std(axis=0)


def _holdout_auc(x: npt.NDArray[np.float64], y: npt.NDArray[np.int64]) -> float:
    cut = int(len(y) * 0.7)
    model = LogisticRegression(max_iter=500).fit(x[:cut], y[:cut])
    return float(roc_auc_score(y[cut:], model.predict_proba(x[cut:])[:, 1]))


def test_the_label_is_learnable_and_a_shuffled_one_is_not(merchants: pa.Table) -> None:
    x, y = _features(merchants), merchants.column("default").to_numpy()
    assert _holdout_auc(x, y) >= 0.75
    shuffled = np.random.default_rng(0).permutation(y)
    assert abs(_holdout_auc(x, shuffled) - 0.5) < 0.04


def test_default_rate_is_realistic_and_follows_the_water_level(merchants: pa.Table) -> None:
    y = merchants.column("default").to_numpy()
    assert 0.05 <= y.mean() <= 0.15
    water = _features(merchants)[:, 0]
    falling, rising = water < np.quantile(water, 0.2), water > np.quantile(water, 0.8)
    assert y[falling].mean() > 2 * y[rising].mean()
    overdue = merchants.column("overdue").to_numpy()
    assert y[overdue > 0].mean() > y[overdue == 0].mean()


def test_same_seed_same_rows_and_personal_data_kept() -> None:
    a = _table(3_000, seed=4, batch_rows=1_000)
    assert a.equals(_table(3_000, seed=4))
    assert not a.equals(_table(3_000, seed=5))
    assert set(PII_COLUMNS) <= set(a.column_names)
    assert {"sales_m06", "outstanding_loan", "overdue", "default"} <= set(a.column_names)


def test_the_profile_is_an_option_of_the_source_spec() -> None:
    source = open_source({"kind": "synthetic", "rows": 5, "profile": "credit"})
    assert source.describe()["profile"] == "credit"
    assert "outstanding_loan" in source.schema().names
