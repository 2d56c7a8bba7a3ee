"""Monitoring a model of the synthetic "credit" merchants end to end: trained on one seed,
scored in production on another, it is ok; when production's recent sales fall, the
features that moved and the score are flagged; once outcomes are known, AUC and KS show."""

from __future__ import annotations

import functools

import lightgbm
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from connectors.sources.synthetic import SyntheticSource
from jobs.models.formats import load_scorer
from jobs.models.monitoring import BaselineProfile, build_profile, monitor
from jobs.models.scoring import score_batches

FEATURES = [*(f"sales_m{m:02d}" for m in range(1, 7)), "refund_rate", "rating", "loans",
            "overdue", "outstanding_loan"]  # fmt: skip
RECENT = ("sales_m04", "sales_m05", "sales_m06")


def _merchants(seed: int, rows: int) -> pa.Table:
    source = SyntheticSource(rows=rows, seed=seed, profile="credit")
    return pa.Table.from_batches(list(source.batches()), schema=source.schema())


@functools.cache
def _model() -> bytes:
    train = _merchants(seed=1, rows=10_000)
    x = np.column_stack([train.column(f).to_numpy() for f in FEATURES])
    y = train.column("default").to_numpy()
    model = lightgbm.LGBMClassifier(n_estimators=40, num_leaves=7, min_child_samples=100,
                                    verbose=-1)  # fmt: skip
    model.fit(x, y, feature_name=FEATURES)
    return str(model.booster_.model_to_string()).encode("utf-8")


def _scored(table: pa.Table) -> pa.Table:
    scorer = load_scorer("lightgbm", _model())
    schema = pa.schema([pa.field("merchant_id", pa.string()), pa.field("score", pa.float64())])
    scores = pa.Table.from_batches(list(score_batches(table.to_batches(), scorer, schema)))
    return table.append_column("score", scores.column("score"))


@functools.cache
def _profile() -> BaselineProfile:
    training = _scored(_merchants(seed=1, rows=10_000))
    return build_profile(training, FEATURES, score_column="score", label_column="default")


def _recession(table: pa.Table) -> pa.Table:
    for name in RECENT:
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pc.multiply(table.column(name), 0.6))
    return table


@pytest.mark.slow
def test_a_credit_model_is_ok_then_flags_a_fall_in_recent_sales() -> None:
    profile = _profile()
    assert profile.auc is not None and profile.auc > 0.75
    production = _merchants(seed=2, rows=8_000)
    steady = monitor(profile, _scored(production), label_column="default")
    assert steady.status == "ok", steady.reasons
    assert steady.auc is not None and steady.auc > 0.72 and steady.ks is not None

    fallen = monitor(profile, _scored(_recession(production)))
    assert fallen.status == "alert"
    flagged = {r.subject for r in fallen.reasons}
    assert set(RECENT) <= flagged and "score" in flagged
    assert not flagged & {"refund_rate", "overdue", "sales_m01"}
    assert fallen.auc is None and fallen.ks is None
