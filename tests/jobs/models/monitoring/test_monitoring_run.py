"""Monitoring runs, table-driven: what production looks like against the training sample and
the status, reasons and metrics that must come out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from jobs.gate import GateRules, check_output
from jobs.models.monitoring import (
    COUNT_COLUMN,
    MonitoringInputError,
    Thresholds,
    build_profile,
    monitor,
    psi_png,
    psi_table,
    score_distribution_png,
    score_table,
    suppressed_rows,
)
from jobs.models.monitoring.drift import ColumnDrift
from jobs.models.monitoring.plots import production_shares

FEATURES = ["sales", "refund_rate", "overdue", "segment", "mostly_null", "constant"]
N = 8_000


def merchants(seed: int, n: int = N) -> pa.Table:
    """Features, a score that depends on them and a default drawn from the score."""
    rng = np.random.default_rng(seed)
    sales = rng.lognormal(10, 0.8, n)
    refund = rng.beta(1.5, 30, n)
    overdue = rng.poisson(0.4, n)
    segment = rng.choice(["retail", "food", "travel"], n, p=[0.5, 0.3, 0.2])
    mostly_null = np.where(rng.random(n) < 0.9, np.nan, rng.normal(0, 1, n))
    score = 1 / (1 + np.exp(-(-2.5 + 20 * (refund - 0.05) + 0.8 * overdue)))
    default = (rng.random(n) < score).astype(np.int64)
    return pa.table({
        "sales": sales, "refund_rate": refund, "overdue": overdue, "segment": segment,
        "mostly_null": pa.array(mostly_null, from_pandas=True), "constant": np.full(n, 7.0),
        "score": score, "default": default,
    })  # fmt: skip


TRAINING = merchants(1)
PROFILE = build_profile(TRAINING, FEATURES, score_column="score", label_column="default")


def _replace(table: pa.Table, name: str, values: object) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, pa.array(values))


def shifted_sales(t: pa.Table) -> pa.Table:
    return _replace(t, "sales", pc.multiply(t.column("sales"), 3.0).combine_chunks())


def refunds_up_a_third(t: pa.Table) -> pa.Table:
    return _replace(t, "refund_rate", pc.multiply(t.column("refund_rate"), 1.35).combine_chunks())


def new_segment(t: pa.Table) -> pa.Table:
    values = t.column("segment").to_numpy(zero_copy_only=False).copy()
    values[: N // 2] = "crypto"
    return _replace(t, "segment", values)


def nulls_everywhere(t: pa.Table) -> pa.Table:
    return _replace(t, "sales", pa.nulls(t.num_rows, pa.float64()))


def no_labels(t: pa.Table) -> pa.Table:
    return t.drop(["default"])


def unknown_labels(t: pa.Table) -> pa.Table:
    return _replace(t, "default", pa.nulls(t.num_rows, pa.int64()))


def random_scores(t: pa.Table) -> pa.Table:
    rng = np.random.default_rng(9)
    return _replace(t, "score", rng.permutation(t.column("score").to_numpy()))


@dataclass(frozen=True)
class Case:
    name: str
    change: Callable[[pa.Table], pa.Table]
    status: str
    flagged: tuple[str, ...]  # subjects of the reasons, in any order
    labels: bool = True


CASES = [
    Case("identical data", lambda t: TRAINING, "ok", ()),
    Case("another draw of the same population", lambda t: merchants(2), "ok", ()),
    Case("sales tripled", shifted_sales, "alert", ("sales",)),
    Case("refunds up 35%", refunds_up_a_third, "warning", ("refund_rate",)),
    Case("a new segment", new_segment, "alert", ("segment",)),
    Case("sales all missing", nulls_everywhere, "alert", ("sales",)),
    Case("no label column", no_labels, "ok", (), labels=False),
    Case("labels not known yet", unknown_labels, "ok", ()),
    Case("scores no longer rank", random_scores, "alert", ("score",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_monitoring_cases(case: Case) -> None:
    production = case.change(merchants(3))
    result = monitor(PROFILE, production, label_column="default" if case.labels else None)
    assert result.status == case.status, result.reasons
    assert {r.subject for r in result.reasons} == set(case.flagged)
    assert result.records == N
    assert len(result.features) == len(FEATURES)


def test_identical_data_have_no_drift() -> None:
    result = monitor(PROFILE, TRAINING, label_column="default")
    assert all(d.psi == pytest.approx(0.0, abs=1e-9) for d in result.features)
    assert result.score is not None and result.score.psi == pytest.approx(0.0, abs=1e-9)
    assert result.auc == pytest.approx(PROFILE.auc) and result.ks == pytest.approx(PROFILE.ks)


def test_outcomes_give_auc_and_ks_and_their_absence_gives_none() -> None:
    labelled = monitor(PROFILE, merchants(3), label_column="default")
    assert labelled.auc is not None and 0.6 < labelled.auc < 0.95
    assert labelled.ks is not None and labelled.ks > 0.1
    assert labelled.labelled == N
    for result in (
        monitor(PROFILE, merchants(3)),
        monitor(PROFILE, unknown_labels(merchants(3)), label_column="default"),
    ):
        assert result.auc is None and result.ks is None
        assert not [r for r in result.reasons if r.metric in ("auc", "ks", "auc_drop")]


def test_partly_known_outcomes_count_only_the_labelled() -> None:
    production = merchants(3)
    known = production.column("default").to_numpy().astype(float)
    known[::2] = np.nan
    result = monitor(PROFILE, _replace(production, "default", pa.array(known, from_pandas=True)),
                     label_column="default")  # fmt: skip
    assert result.labelled == N // 2 and result.auc is not None


@pytest.mark.parametrize(
    ("thresholds", "change", "metrics"),
    [
        (Thresholds(min_auc=0.3, min_ks=0.0), random_scores, {"auc_drop": "warning"}),
        (Thresholds(min_auc=0.3, max_auc_drop=1.0, min_ks=0.99), lambda t: t, {"ks": "warning"}),
        (Thresholds(min_auc=0.99, max_auc_drop=1.0, min_ks=0.0), lambda t: t, {"auc": "alert"}),
    ],
)
def test_outcome_rules_name_their_metric_and_threshold(
    thresholds: Thresholds, change: Callable[[pa.Table], pa.Table], metrics: dict[str, str]
) -> None:
    result = monitor(PROFILE, change(merchants(3)), thresholds, label_column="default")
    assert {r.metric: r.level for r in result.reasons} == metrics
    reason = result.reasons[0]
    assert reason.threshold == {"auc_drop": 0.05, "ks": 0.99, "auc": 0.99}[reason.metric]
    assert reason.metric in reason.message and result.status == reason.level


def test_a_duckdb_relation_streams_in_small_batches() -> None:
    con = duckdb.connect()
    production = merchants(3)
    con.register("production", production)
    from_duckdb = monitor(PROFILE, con.sql("SELECT * FROM production"), label_column="default",
                          batch_rows=1_000)  # fmt: skip
    from_table = monitor(PROFILE, production, label_column="default")
    assert from_duckdb.records == N
    assert [d.psi for d in from_duckdb.features] == pytest.approx(
        [d.psi for d in from_table.features]
    )
    assert from_duckdb.auc == pytest.approx(from_table.auc)


def test_a_missing_column_or_a_changed_type_is_refused_by_name() -> None:
    with pytest.raises(MonitoringInputError, match="'segment' is missing"):
        monitor(PROFILE, merchants(3).drop(["segment"]))
    words = _replace(merchants(3), "sales", ["a lot"] * N)
    with pytest.raises(MonitoringInputError, match="'sales' was numeric"):
        monitor(PROFILE, words)


def test_plots_are_png_and_deterministic() -> None:
    result = monitor(PROFILE, shifted_sales(merchants(3)), label_column="default")
    table = psi_table(result)
    first = psi_png(table, status=result.status)
    assert first.startswith(b"\x89PNG") and first == psi_png(table, status=result.status)
    assert result.score is not None
    scores = score_table(result.score)
    picture = score_distribution_png(scores, name="score", psi=result.score.psi)
    assert picture.startswith(b"\x89PNG")
    assert picture == score_distribution_png(scores, name="score", psi=result.score.psi)


@pytest.mark.parametrize(
    "values",
    [
        {"psi_warning": 0.3, "psi_alert": 0.2},
        {"psi_warning": 0.0},
        {"min_auc": 1.2},
        {"min_ks": -0.1},
    ],
)
def test_inconsistent_thresholds_are_refused(values: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Thresholds(**values)


def test_thresholds_from_a_zone_section_ignore_the_schedule() -> None:
    found = Thresholds.from_mapping({"interval_hours": 24, "psi_alert": 0.5, "min_bin_records": 5})
    assert found == Thresholds(psi_alert=0.5)


def test_something_that_is_not_data_is_refused() -> None:
    with pytest.raises(MonitoringInputError, match="Arrow batches"):
        monitor(PROFILE, 42)


def _score(actual: tuple[float, ...], records: int) -> ColumnDrift:
    return ColumnDrift(
        name="score",
        kind="numeric",
        psi=0.0,
        bins=tuple(f"b{i}" for i in range(len(actual))),
        expected=tuple(1 / len(actual) for _ in actual),
        actual=actual,
        records=records,
    )


def test_the_plot_tables_hold_counts_the_gate_knows_as_such() -> None:
    result = monitor(PROFILE, merchants(3), label_column="default")
    table = psi_table(result)
    assert table.column_names == ["feature", "psi", COUNT_COLUMN]
    assert table.column(COUNT_COLUMN).to_pylist() == [N] * len(table)
    assert result.score is not None
    assert table.column("feature").to_pylist()[-1] == result.score.name
    # 1000 records: a share of 0.004 is 4 of them
    scores = score_table(_score((0.5, 0.496, 0.004, 0.0), 1000))
    assert scores.column(COUNT_COLUMN).to_pylist() == [500, 496, 4, 0]
    assert scores.column("bin").to_pylist() == ["b0", "b1", "b2", "b3"]


def test_the_score_plot_is_drawn_from_the_gated_table_alone() -> None:
    scores = score_table(_score((0.5, 0.496, 0.004, 0.0), 1000))
    gate = check_output("score_distribution", "moderately_sensitive", table=scores,
                        rules=GateRules(min_cell_count=5, rounding=1),
                        count_columns=[COUNT_COLUMN])  # fmt: skip
    assert gate.allowed and gate.table is not None
    assert [(f.rule, f.row, f.severity) for f in gate.findings] == [
        ("min_cell_count", 2, "fixed"),
        ("min_cell_count", 3, "fixed"),
    ]
    assert suppressed_rows(gate.table) == [False, False, True, True]
    # production's shares are of the records shown: the suppressed bins add nothing
    assert production_shares(gate.table) == pytest.approx([500 / 996, 496 / 996, 0.0, 0.0])
    picture = score_distribution_png(gate.table, name="score", psi=0.0)
    assert picture.startswith(b"\x89PNG")
    assert picture != score_distribution_png(scores, name="score", psi=0.0)
