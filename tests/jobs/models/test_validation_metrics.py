"""Credit-model metrics against sklearn and scipy on known cases, and PSI by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy.stats import ks_2samp
from sklearn.metrics import roc_auc_score

from jobs.models.validation import (
    EPSILON,
    MetricInputError,
    auc,
    bad_rate_by_band,
    calibration,
    discrimination,
    feature_psi,
    ks,
    psi,
)


def _sample(seed: int, n: int, shift: float, decimals: int | None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = (0, 1)
    score = rng.normal(size=n) + shift * y
    return y, (np.round(score, decimals) if decimals is not None else score)


CASES = [
    # (name, y, score)
    ("separable", np.array([0, 0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.8, 0.9])),
    ("reversed", np.array([1, 1, 0, 0]), np.array([0.1, 0.2, 0.3, 0.8])),
    ("all tied", np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.5, 0.5])),
    ("ties across classes", np.array([0, 1, 0, 1, 1, 0]), np.array([1, 1, 2, 2, 3, 0.0])),
    ("random continuous", *_sample(1, 2000, 0.7, None)),
    ("random heavy ties", *_sample(2, 3000, 0.5, 0)),
    ("weak signal", *_sample(3, 500, 0.05, 2)),
    ("imbalanced", np.r_[np.zeros(990, int), np.ones(10, int)], np.r_[np.arange(990), [5.0] * 10]),
]


@pytest.mark.parametrize(("name", "y", "score"), CASES, ids=[c[0] for c in CASES])
def test_auc_and_gini_equal_sklearn(name: str, y: np.ndarray, score: np.ndarray) -> None:
    expected = roc_auc_score(y, score)
    result = discrimination(y, score)
    assert result.auc == pytest.approx(expected, abs=1e-12)
    assert result.gini == pytest.approx(2 * expected - 1, abs=1e-12)
    assert auc(y, -score, orientation="points") == pytest.approx(expected, abs=1e-12)
    assert (result.count, result.bads, result.goods) == (len(y), y.sum(), len(y) - y.sum())


@pytest.mark.parametrize(("name", "y", "score"), CASES, ids=[c[0] for c in CASES])
def test_ks_equals_scipy_and_names_its_score(name: str, y: np.ndarray, score: np.ndarray) -> None:
    expected = ks_2samp(score[y == 1], score[y == 0])
    statistic, at = ks(y, score)
    assert statistic == pytest.approx(expected.statistic, abs=1e-12)
    bads, goods = score[y == 1], score[y == 0]
    assert abs((bads <= at).mean() - (goods <= at).mean()) == pytest.approx(statistic, abs=1e-12)


def test_points_orientation_reverses_auc_not_ks() -> None:
    y, score = _sample(4, 1000, 1.0, None)
    risk = discrimination(y, score)
    points = discrimination(y, score, orientation="points")
    assert points.auc == pytest.approx(1 - risk.auc)
    assert points.ks == risk.ks
    assert points.orientation == "points"


@pytest.mark.parametrize(
    ("y", "score", "message"),
    [
        ([0, 0, 0], [0.1, 0.2, 0.3], "both goods"),
        ([1, 1], [0.1, 0.2], "both goods"),
        ([0, 2, 1], [0.1, 0.2, 0.3], "must be 0 .good. or 1"),
        (["0", "1"], [0.1, 0.2], "must be 0 .good. or 1"),
        ([0, 1], [0.1], "2 outcomes but 1 scores"),
        ([0, 1, 1], [0.1, math.nan, 0.2], "1 scores are missing"),
        ([0, 1], [0.1, math.inf], "missing or infinite"),
        ([[0, 1]], [[0.1, 0.2]], "one-dimensional"),
    ],
)
def test_bad_inputs_are_refused_clearly(y: object, score: object, message: str) -> None:
    with pytest.raises(MetricInputError, match=message):
        discrimination(y, score)


def test_unknown_orientation_is_refused() -> None:
    with pytest.raises(MetricInputError, match="orientation"):
        auc([0, 1], [0.1, 0.2], orientation="upside-down")


# PSI by hand: sum over bins of (a - e) * ln(a / e), shares, zero shares counted as EPSILON.
PSI_CASES = [
    ("identical", ["a"] * 50 + ["b"] * 50, ["a"] * 10 + ["b"] * 10, 0.0),
    (
        "shifted categories",
        ["a"] * 50 + ["b"] * 50,
        ["a"] * 25 + ["b"] * 75,
        (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5),
    ),
    (
        "empty actual bin",
        ["a"] * 50 + ["b"] * 50,
        ["a"] * 100,
        (1 - 0.5) * math.log(1 / 0.5) + (EPSILON - 0.5) * math.log(EPSILON / 0.5),
    ),
    (
        "unseen category",
        ["a"] * 100,
        ["a"] * 80 + ["z"] * 20,
        (0.8 - 1) * math.log(0.8 / 1) + (0.2 - EPSILON) * math.log(0.2 / EPSILON),
    ),
    (
        "missing values",
        ["a"] * 90 + [None] * 10,
        ["a"] * 50 + [None] * 50,
        (0.5 - 0.9) * math.log(0.5 / 0.9) + (0.5 - 0.1) * math.log(0.5 / 0.1),
    ),
    # ten distinct numbers: one per decile bin; the actual sample piles into the lowest two
    (
        "numeric deciles",
        list(range(1, 11)),
        [1] * 5 + [2] * 5,
        2 * (0.5 - 0.1) * math.log(0.5 / 0.1) + 8 * (EPSILON - 0.1) * math.log(EPSILON / 0.1),
    ),
]


@pytest.mark.parametrize(
    ("name", "expected", "actual", "value"), PSI_CASES, ids=[c[0] for c in PSI_CASES]
)
def test_psi_hand_computed(name: str, expected: list, actual: list, value: float) -> None:
    result = psi(expected, actual)
    assert result.psi == pytest.approx(value, rel=1e-9, abs=1e-12)
    assert sum(b.expected_count for b in result.bins) == len(expected) == result.expected_count
    assert sum(b.actual_count for b in result.bins) == len(actual) == result.actual_count


def test_numeric_psi_bins_are_training_deciles_left_closed() -> None:
    result = psi(np.arange(100.0), np.arange(100.0))
    assert result.kind == "numeric"
    assert len(result.bins) == 10
    assert [b.expected_count for b in result.bins] == [10] * 10
    assert result.bins[0].lower is None and result.bins[-1].upper is None
    assert result.psi == pytest.approx(0.0)
    # repeated deciles collapse: a sample with two values has two bins, not ten
    assert len(psi([0.0] * 50 + [1.0] * 50, [0.0, 1.0]).bins) == 2


def test_psi_missing_bin_kinds_do_not_clash_with_a_category_called_missing() -> None:
    result = psi(["missing", None, "x"], ["missing", "x", None])
    assert sorted((b.kind, b.label) for b in result.bins) == [
        ("category", "missing"),
        ("category", "x"),
        ("missing", ""),
    ]


def test_feature_psi_over_pandas_and_arrow_tables() -> None:
    rng = np.random.default_rng(5)
    train = pd.DataFrame({"sales": rng.normal(size=500), "city": rng.choice(["a", "b"], 500)})
    later = pd.DataFrame({"sales": rng.normal(1.0, size=500), "city": ["a"] * 500})
    for expected, actual in ((train, later), (pa.Table.from_pandas(train), later)):
        result = feature_psi(expected, actual)
        assert [name for name, _ in result.features] == ["sales", "city"]
        assert result.get("sales").kind == "numeric" and result.get("sales").psi > 0.25
        assert result.get("city").kind == "categorical"
        assert result.get("city").psi == pytest.approx(psi(train["city"], later["city"]).psi)
    with pytest.raises(MetricInputError, match="income"):
        feature_psi(train, later, ["income"])


def test_calibration_deciles_carry_counts() -> None:
    rng = np.random.default_rng(6)
    p = rng.uniform(size=5000)
    y = (rng.uniform(size=5000) < p).astype(int)
    result = calibration(y, p)
    assert len(result.deciles) == 10
    assert sum(d.count for d in result.deciles) == 5000
    assert all(d.count == 500 for d in result.deciles)
    for decile in result.deciles:
        assert decile.bad_rate == pytest.approx(decile.mean_score, abs=0.08)
        assert decile.bads == round(decile.bad_rate * decile.count)


def test_bad_rate_by_given_bands_and_quantile_bands() -> None:
    y = np.array([0, 0, 1, 0, 1, 1, 1, 0])
    score = np.array([1.0, 2.0, 2.0, 5.0, 5.0, 7.0, 9.0, 10.0])
    given = bad_rate_by_band(y, score, [2.0, 5.0, 9.0])
    assert given.method == "edges"
    rows = [(b.lower, b.upper, b.count, b.bads) for b in given.bands]
    assert rows == [
        (-math.inf, 2.0, 1, 0),
        (2.0, 5.0, 2, 1),
        (5.0, 9.0, 3, 2),
        (9.0, math.inf, 2, 1),
    ]
    assert given.to_dict()["bands"][0]["lower"] is None
    quantile = bad_rate_by_band(y, score, 4)
    assert quantile.method == "quantiles"
    assert sum(b.count for b in quantile.bands) == 8
    with pytest.raises(MetricInputError, match="increasing"):
        bad_rate_by_band(y, score, [5.0, 2.0])


def test_results_are_frozen_and_serialise() -> None:
    result = discrimination([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8])
    with pytest.raises(AttributeError):
        result.auc = 0.5  # type: ignore[misc]
    assert result.to_dict()["auc"] == 1.0
