"""The recommended spec: it brings the unique share under the threshold when applied to the
data afresh, touches only what it must, and is an import spec fragment that parses."""

from __future__ import annotations

import dataclasses
from typing import Any

import pyarrow as pa
import pytest
import yaml

from connectors.errors import SpecError
from connectors.operators import OperatorContext, build_operator
from connectors.report import ColumnPlan, ImportPlan
from connectors.risk.candidates import FREE_TEXT, PSEUDONYM
from connectors.risk.estimate import measure
from connectors.risk.recommend import recommend
from connectors.risk.replan import apply_columns
from connectors.spec import ImportSpec
from tests.connectors.risk.data import merchants, unique_share

EXCLUDED = {"merchant": PSEUDONYM, "remark": FREE_TEXT}


def plan_of(table: pa.Table, **operators: tuple[str, dict[str, Any]]) -> ImportPlan:
    def column(name: str) -> ColumnPlan:
        operator, params = operators.get(name, ("keep", {}))
        return ColumnPlan(
            name, str(table.schema.field(name).type), "plain", None, "", 0.0, 0, False,
            operator, params, "default", "",
        )  # fmt: skip

    return ImportPlan(
        source={}, columns=tuple(column(n) for n in table.column_names), quasi_identifiers=(),
        k=5, k_strategy="generalize_then_suppress", free_text="scrub_or_drop", sample=None,
        max_suppressed_share=0.05, max_generalization_steps=4, suppression_tolerance=0.0,
        scanned_rows=100,
    )  # fmt: skip


def applied(table: pa.Table, columns: dict[str, dict[str, Any]]) -> pa.Table:
    """The table with each recommended operator run on its column, as an import would."""
    for name, override in columns.items():
        operator = build_operator(override["operator"], override["params"], OperatorContext())
        values = table.column(name).combine_chunks()
        if operator.observes:
            operator.observe(values)
        table = table.set_column(table.column_names.index(name), name, operator.apply(values))
    return table


@pytest.mark.parametrize("threshold", [0.05, 0.01, 0.2])
def test_the_recommended_spec_brings_the_share_under_the_threshold(threshold: float) -> None:
    table = merchants()
    report, measured = measure(table, EXCLUDED)
    rec = recommend(measured, plan_of(table), threshold, unique_share=report.unique_share)
    assert rec.reached and rec.unique_share_before == report.unique_share
    columns = rec.spec["columns"]
    assert set(columns) <= {"industry", "monthly_sales"} and "monthly_sales" in columns
    after = unique_share(applied(table, columns), ["industry", "monthly_sales"])
    assert after <= threshold
    assert after == pytest.approx(rec.unique_share_after)
    spec = ImportSpec.parse(
        {"source": {"kind": "csv", "path": "m.csv"}, **yaml.safe_load(rec.yaml)}
    )
    assert set(spec.columns) == set(columns)  # it pastes into a spec as it is


def test_nothing_coarser_than_needed() -> None:
    """A lenient threshold takes the finest rung that meets it, not the last one tried."""
    table = merchants()
    report, measured = measure(table, EXCLUDED)
    strict = recommend(measured, plan_of(table), 0.01, unique_share=report.unique_share)
    lenient = recommend(measured, plan_of(table), 0.5, unique_share=report.unique_share)
    assert lenient.spec["columns"]["monthly_sales"] == {
        "operator": "round_significant",
        "params": {"digits": 3},
    }
    assert (
        lenient.unique_share_after
        <= 0.5
        < unique_share(
            applied(
                table, {"monthly_sales": {"operator": "round_significant", "params": {"digits": 4}}}
            ),
            ["industry", "monthly_sales"],
        )
    )
    assert strict.spec != lenient.spec


def test_under_the_threshold_nothing_is_recommended() -> None:
    table = merchants()
    report, measured = measure(table, EXCLUDED)
    rec = recommend(measured, plan_of(table), 0.99, unique_share=report.unique_share)
    assert rec.spec == {} and rec.yaml == "" and rec.reached


@pytest.mark.parametrize(
    ("values", "planned", "expected_first"),
    [
        (["2023-05-17", "2023-06-01"] * 100, ("keep", {}), ("generalize", {"level": "month"})),
        (
            ["2023-05", "2024-06"] * 100,
            ("generalize", {"level": "month"}),
            ("generalize", {"level": "year"}),
        ),
        (
            ["浙江省杭州市", "广东省深圳市"] * 100,
            ("generalize", {"level": "city"}),
            ("generalize", {"level": "province"}),
        ),
        ([f"[{i}, {i + 1})" for i in range(10)] * 20, ("generalize", {"bins": [1.0, 2.0]}), None),
    ],
)
def test_ladders_start_from_what_the_plan_did(
    values: list[Any], planned: tuple[str, dict[str, Any]], expected_first: Any
) -> None:
    from connectors.risk.candidates import Candidate, kind_of
    from connectors.risk.recommend import ladder

    array = pa.array(values)
    kind, distinct, _ = kind_of(array)
    assert kind is not None
    steps = ladder(Candidate("c", kind, distinct), planned[0], planned[1], array)
    assert (steps[0] if steps else None) == expected_first


def test_a_recommendation_replans_and_is_checked_like_the_spec() -> None:
    table = merchants(300)
    plan = plan_of(table)
    replanned = apply_columns(
        plan,
        {"monthly_sales": {"operator": "round_significant", "params": {"digits": 2}}},
        table.schema,
        why="re-identification",
    )
    column = replanned.column("monthly_sales")
    assert (column.operator, column.params, column.chosen) == (
        "round_significant",
        {"digits": 2},
        "override",
    )
    assert replanned.column("industry") == plan.column("industry")
    with pytest.raises(SpecError, match="numeric"):
        apply_columns(
            plan,
            {"industry": {"operator": "round_significant", "params": {}}},
            table.schema,
            why="x",
        )
    assert dataclasses.replace(replanned, columns=plan.columns) == plan
