"""The gate by lineage: suppression by the lab's own contributor counts in any type, entity
counts, rounding by from_count, row-level verdicts. Lineage and contributors are built by
hand, as the SQL engine hands them over."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from jobs.gate import GateResult, GateRules, check_output
from jobs.lineage import ColumnKind, ColumnLineage, QueryLineage

RULES = GateRules()  # min_cell_count 10, rounding 5


def lineage(
    *columns: tuple[str, ColumnKind, bool],
    aggregate: bool = True,
    notes: tuple[str, ...] = (),
    reason: str = "every column is a group key or an aggregate",
) -> QueryLineage:
    """Columns as (name, kind, from_count), in output order."""
    return QueryLineage(
        aggregate=aggregate,
        columns=tuple(
            ColumnLineage(
                i,
                name,
                kind,
                (f"m.{name}",),
                from_count,
                f"carries m.{name} without aggregation" if kind == "row_level" else kind,
            )
            for i, (name, kind, from_count) in enumerate(columns)
        ),
        reason=reason,
        notes=notes,
    )


def contributors(rows: list[int], entities: list[int] | None = None) -> pa.Table:
    data: dict[str, Any] = {"rows": pa.array(rows, pa.int64())}
    if entities is not None:
        data["entities"] = pa.array(entities, pa.int64())
    return pa.table(data)


def gate(table: pa.Table, **kwargs: Any) -> GateResult:
    return check_output("by_city", "moderately_sensitive", table=table, rules=RULES, **kwargs)


# -- suppression by the lab's own count, whatever the user's column holds -------------------


def _decimals(values: list[str], kind: pa.DataType) -> pa.Array:
    return pa.array([Decimal(v) for v in values], kind)


DISGUISES: list[tuple[str, pa.Array, bool]] = [
    ("count", pa.array([3, 12, 40], pa.int64()), True),
    ("count_as_double", pa.array([3.0, 12.0, 40.0], pa.float64()), True),
    ("count_as_hugeint", _decimals(["3", "12", "40"], pa.decimal128(38, 0)), True),
    ("count_times_one", _decimals(["3.0", "12.0", "40.0"], pa.decimal128(20, 1)), True),
    ("count_in_text", pa.array(["n=3", "n=12", "n=40"]), True),
    ("no_count_at_all", pa.array([1.5, 2.5, 3.5], pa.float64()), False),
]


@pytest.mark.parametrize(
    ("column", "values", "from_count"), DISGUISES, ids=[d[0] for d in DISGUISES]
)
def test_rows_below_min_cell_count_are_removed_whatever_the_column_holds(
    column: str, values: pa.Array, from_count: bool
) -> None:
    table = pa.table({"label": ["Hangzhou", "Wuhan", "Suzhou"], "x": values})
    facts = lineage(("label", "group_key", False), ("x", "aggregate", from_count))
    result = gate(table, lineage=facts, contributors=contributors([3, 12, 40]))
    assert result.allowed and result.proved_aggregate and result.lineage == "aggregate"
    assert result.table is not None
    assert result.table.column("label").to_pylist() == ["Wuhan", "Suzhou"]
    (finding,) = [f for f in result.findings if f.rule == "min_cell_count"]
    assert (finding.row, finding.column, finding.value, finding.severity) == (
        0,
        None,
        None,
        "fixed",
    )
    assert "row 0" in finding.message and "fewer than 10 input rows" in finding.message
    assert "3" not in finding.message.replace("row 0", "")  # names the rule, not the count


def test_every_small_row_is_one_finding_and_a_null_count_is_small() -> None:
    table = pa.table({"g": ["a", "b", "c", "d"], "v": [1.0, 2.0, 3.0, 4.0]})
    facts = lineage(("g", "group_key", False), ("v", "aggregate", False))
    counts = pa.table({"rows": pa.array([9, None, 10, 0], pa.int64())})
    result = gate(table, lineage=facts, contributors=counts)
    assert [f.row for f in result.findings if f.rule == "min_cell_count"] == [0, 1, 3]
    assert result.table is not None and result.table.column("g").to_pylist() == ["c"]


@pytest.mark.parametrize(
    ("rows", "entities", "kept"),
    [
        ([40, 40, 40], [1, 12, 9], ["b"]),  # a merchant seen in 40 rows is one entity
        ([40, 5, 40], [40, 5, 10], ["a", "c"]),
        ([40, 40, 40], None, ["a", "b", "c"]),  # no entity key: rows alone
    ],
    ids=["few_entities", "few_rows", "rows_only"],
)
def test_entities_must_reach_the_threshold_too(
    rows: list[int], entities: list[int] | None, kept: list[str]
) -> None:
    table = pa.table({"g": ["a", "b", "c"], "n": [40, 40, 40]})
    facts = lineage(("g", "group_key", False), ("n", "aggregate", True))
    result = gate(table, lineage=facts, contributors=contributors(rows, entities))
    assert result.table is not None and result.table.column("g").to_pylist() == kept
    messages = [f.message for f in result.findings if f.rule == "min_cell_count"]
    if entities is not None and messages:
        assert all("input rows or distinct entities" in m for m in messages)


# -- rounding by from_count -------------------------------------------------------------------


def test_every_numeric_from_count_column_is_rounded_whatever_its_name_or_type() -> None:
    table = pa.table(
        {
            "city": ["a", "b"],
            "merchants": pa.array([12, 23], pa.int64()),
            "as_double": pa.array([12.0, 23.0], pa.float64()),
            "as_decimal": pa.array([Decimal("12.0"), Decimal("23.0")], pa.decimal128(20, 1)),
            "n": pa.array([12, 23], pa.int64()),  # named like a count, but a sum of sales
            "avg_sales": pa.array([12.4, 23.6], pa.float64()),
        }
    )
    facts = lineage(
        ("city", "group_key", False),
        ("merchants", "aggregate", True),
        ("as_double", "aggregate", True),
        ("as_decimal", "aggregate", True),
        ("n", "aggregate", False),
        ("avg_sales", "aggregate", False),
    )
    result = gate(table, lineage=facts, contributors=contributors([40, 40]))
    assert result.allowed and result.table is not None
    out = result.table
    assert out.column("merchants").to_pylist() == [10, 25]
    assert out.column("as_double").to_pylist() == [10.0, 25.0]
    assert out.column("as_decimal").to_pylist() == [10.0, 25.0]
    assert out.column("n").to_pylist() == [12, 23]  # names do not make counts
    assert out.column("avg_sales").to_pylist() == [12.4, 23.6]
    rounded = {f.column for f in result.findings if f.rule == "rounding"}
    assert rounded == {"merchants", "as_double", "as_decimal"}


def test_a_small_sub_count_cell_is_still_suppressed() -> None:
    """The group has 40 rows, but 2 defaulters in it is a small cell of its own."""
    table = pa.table({"city": ["a"], "defaults": [2], "n": [40]})
    facts = lineage(
        ("city", "group_key", False), ("defaults", "aggregate", True), ("n", "aggregate", True)
    )
    result = gate(table, lineage=facts, contributors=contributors([40]))
    assert result.table is not None and result.table.column("defaults").to_pylist() == [None]


@pytest.mark.parametrize("from_count", [True, False])
def test_text_that_embeds_a_count_is_not_rounded_but_asks_for_review(from_count: bool) -> None:
    """from_count describes numbers; an aggregate held as text is flagged either way."""
    table = pa.table({"city": ["a"], "t": ["n=42"], "share": [0.5]})
    facts = lineage(
        ("city", "group_key", False), ("t", "aggregate", from_count), ("share", "aggregate", False)
    )
    result = gate(table, lineage=facts, contributors=contributors([42]))
    assert result.allowed and result.needs_review
    (finding,) = [f for f in result.findings if f.rule == "count_in_text"]
    assert (finding.column, finding.severity) == ("t", "review")
    assert "not rounded" in finding.message
    assert result.table is not None and result.table.column("t").to_pylist() == ["n=42"]


def test_lineage_notes_become_review_findings() -> None:
    table = pa.table({"city": ["a"], "top": [99.0]})
    facts = lineage(
        ("city", "group_key", False),
        ("top", "aggregate", False),
        notes=("max(sales) picks one record's value",),
    )
    result = gate(table, lineage=facts, contributors=contributors([50]))
    assert result.allowed and result.needs_review
    assert [f.message for f in result.findings if f.rule == "lineage_note"] == [
        "output by_city: max(sales) picks one record's value"
    ]


# -- names play no part with lineage; they remain the fallback without ------------------------


def test_count_names_are_the_fallback_only_without_lineage() -> None:
    table = pa.table({"city": ["a", "b"], "n": [3, 40]})
    by_name = gate(table)
    assert by_name.lineage == "unproven" and not by_name.proved_aggregate
    assert by_name.table is not None and by_name.table.column("n").to_pylist() == [None, 40]
    facts = lineage(("city", "group_key", False), ("n", "aggregate", False))
    by_lineage = gate(table, lineage=facts, contributors=contributors([50, 50]))
    assert by_lineage.table is not None and by_lineage.table.column("n").to_pylist() == [3, 40]


def test_identifier_names_block_only_without_lineage() -> None:
    table = pa.table({"merchant_name": ["Hangzhou", "Wuhan"], "n": [50, 60]})
    assert not gate(table).allowed
    facts = lineage(("merchant_name", "group_key", False), ("n", "aggregate", True))
    assert gate(table, lineage=facts, contributors=contributors([50, 60])).allowed


# -- row-level verdicts -----------------------------------------------------------------------


def test_a_row_level_output_is_blocked_with_the_lineage_reasons() -> None:
    table = pa.table({"label": ["x", "y"], "place": ["p", "q"], "n": [50, 60]})
    facts = lineage(
        ("label", "row_level", False),
        ("place", "row_level", False),
        ("n", "aggregate", True),
        aggregate=False,
        reason="label and place are carried without aggregation",
    )
    result = gate(table, lineage=facts)
    assert (result.allowed, result.table, result.lineage) == (False, None, "row_level")
    assert [(f.rule, f.column, f.severity) for f in result.findings] == [
        ("row_level", "label", "block"),
        ("row_level", "place", "block"),
    ]
    assert "carries m.label without aggregation" in result.findings[0].message


def test_a_query_the_analysis_gave_up_on_is_row_level_too() -> None:
    facts = QueryLineage(aggregate=False, columns=(), reason="a table function it cannot follow")
    result = gate(pa.table({"v": [1]}), lineage=facts)
    (finding,) = result.findings
    assert finding.rule == "row_level" and "a table function it cannot follow" in finding.message


def test_an_aggregate_without_contributor_counts_is_not_proved() -> None:
    table = pa.table({"city": ["a"], "n": [50]})
    facts = lineage(("city", "group_key", False), ("n", "aggregate", True))
    for counts in (None, contributors([50, 50])):  # missing, or not aligned with the rows
        result = gate(table, lineage=facts, contributors=counts)
        assert result.lineage == "unproven" and result.allowed and result.needs_review
        assert [f.rule for f in result.findings] == ["contributors"]


def test_highly_sensitive_keeps_its_lineage_verdict() -> None:
    facts = lineage(("n", "aggregate", True))
    result = check_output(
        "s", "highly_sensitive", table=pa.table({"n": [50]}), rules=RULES, lineage=facts
    )
    assert not result.allowed and result.lineage == "aggregate"


def test_a_file_output_is_unproven_whatever_lineage_comes_with_it(tmp_path: Path) -> None:
    path = tmp_path / "by_city.csv"
    path.write_text("city,n\na,3\nb,40\n")
    facts = lineage(("city", "group_key", False), ("n", "aggregate", False))
    result = check_output("by_city", "moderately_sensitive", file=path, rules=RULES, lineage=facts)
    assert result.lineage == "unproven" and result.table is not None
    assert result.table.column("n").to_pylist() == [None, 40]  # counts by name, the fallback
