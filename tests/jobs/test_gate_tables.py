"""The disclosure gate on table outputs: one table of cases per rule."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from jobs.gate import Finding, GateResult, GateRules, check_output

RULES = GateRules()


def gate(table: pa.Table, **kwargs: Any) -> GateResult:
    return check_output("by_city", "moderately_sensitive", table=table, rules=RULES, **kwargs)


def rules_of(result: GateResult) -> list[str]:
    return [f.rule for f in result.findings]


def test_highly_sensitive_stays_in_the_zone() -> None:
    result = check_output("scores", "highly_sensitive", table=pa.table({"n": [100]}), rules=RULES)
    assert not result.allowed and result.table is None
    (finding,) = result.findings
    assert (finding.rule, finding.severity) == ("sensitivity", "block")
    assert "stays in the zone" in finding.message


def test_unknown_sensitivity_is_blocked() -> None:
    result = check_output("x", "public", table=pa.table({"n": [100]}), rules=RULES)
    assert not result.allowed and "unknown sensitivity 'public'" in result.findings[0].message


def test_table_or_file_not_both() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        check_output("x", "moderately_sensitive", rules=RULES)


def test_clean_aggregate_passes_unchanged() -> None:
    table = pa.table({"city": ["杭州", "上海"], "n": [15, 120], "avg_sales": [12.5, 3.25]})
    result = gate(table)
    assert result.allowed and result.findings == []
    assert result.table is not None and result.table.equals(table)


# -- min_cell_count ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "kept", "suppressed"),
    [
        ([3, 12, 10, 9], [None, 10, 10, None], [(0, "3"), (3, "9")]),
        ([0, 1, 25], [None, None, 25], [(0, "0"), (1, "1")]),
        ([None, 40], [None, 40], []),
        ([10, 11, 100], [10, 10, 100], []),
    ],
    ids=["mixed", "zero_and_one", "nulls_stay", "none_small"],
)
def test_small_counts_are_suppressed(
    counts: list[int | None], kept: list[int | None], suppressed: list[tuple[int, str]]
) -> None:
    table = pa.table(
        {"city": [f"c{i}" for i in range(len(counts))], "n": pa.array(counts, pa.int64())}
    )
    result = gate(table)
    assert result.allowed and result.table is not None
    assert result.table.column("n").to_pylist() == kept
    found = [(f.row, f.value) for f in result.findings if f.rule == "min_cell_count"]
    assert found == suppressed
    for f in result.findings:
        if f.rule == "min_cell_count":
            assert (f.output, f.column, f.severity) == ("by_city", "n", "fixed")
            assert (
                f.message
                == f"output by_city: cell (row {f.row}, column n) counts {f.value} < 10: suppressed"
            )


def test_every_count_column_is_checked_and_each_cell_is_a_finding() -> None:
    table = pa.table({"g": ["a", "b"], "n": [5, 50], "defaults_count": [2, 7], "amount": [1, 2]})
    result = gate(table)
    cells = {(f.column, f.row) for f in result.findings if f.rule == "min_cell_count"}
    assert cells == {("n", 0), ("defaults_count", 0), ("defaults_count", 1)}
    assert result.table is not None and result.table.column("amount").to_pylist() == [1, 2]


# -- rounding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rounding", "counts", "rounded", "changed"),
    [
        (5, [10, 12, 13, 17, 18, 100], [10, 10, 15, 15, 20, 100], 4),
        (5, [10, 15, 20], [10, 15, 20], 0),
        (10, [14, 15, 26], [10, 20, 30], 3),
        (1, [11, 13], [11, 13], 0),
    ],
)
def test_counts_are_rounded_after_suppression(
    rounding: int, counts: list[int], rounded: list[int], changed: int
) -> None:
    table = pa.table({"n": counts})
    result = check_output(
        "t", "moderately_sensitive", table=table, rules=GateRules(rounding=rounding)
    )
    assert result.table is not None and result.table.column("n").to_pylist() == rounded
    assert result.table.schema.field("n").type == pa.int64()
    found = [f for f in result.findings if f.rule == "rounding"]
    if changed:
        (finding,) = found
        assert (finding.column, finding.value, finding.severity) == ("n", str(changed), "fixed")
        assert f"{changed} cell(s) of column n rounded to the nearest {rounding}" in finding.message
    else:
        assert found == []


# -- which columns are counts ------------------------------------------------------------------


def test_declared_count_columns_are_added_to_detected_ones() -> None:
    table = pa.table({"merchants": [3, 40], "n": [4, 40], "label": ["a", "b"]})
    undeclared = gate(table)
    assert undeclared.table is not None and undeclared.table.column("merchants").to_pylist() == [
        3,
        40,
    ]
    declared = gate(table, count_columns=["merchants"])
    assert declared.table is not None
    assert declared.table.column("merchants").to_pylist() == [None, 40]
    assert declared.table.column("n").to_pylist() == [None, 40]


def test_integer_valued_decimals_count_too() -> None:
    """DuckDB's sum() of integers is a HUGEINT: decimal(38, 0) in Arrow."""
    sums = pa.array([Decimal(4), Decimal(27)], pa.decimal128(38, 0))
    result = gate(pa.table({"g": ["a", "b"], "defaulted": sums}), count_columns=["defaulted"])
    assert result.table is not None and result.table.column("defaulted").to_pylist() == [None, 25]


def test_float_counts_declared_are_rounded_in_place() -> None:
    result = gate(pa.table({"weighted": [3.2, 22.4]}), count_columns=["weighted"])
    assert result.table is not None and result.table.column("weighted").to_pylist() == [None, 20.0]


@pytest.mark.parametrize(
    ("declared", "says"),
    [(["missing"], "declared but the output has no such column"), (["city"], "holds string")],
)
def test_bad_count_declarations_block(declared: list[str], says: str) -> None:
    result = gate(pa.table({"city": ["a"], "n": [50]}), count_columns=declared)
    assert not result.allowed
    (finding,) = [f for f in result.findings if f.rule == "count_columns"]
    assert says in finding.message and finding.column == declared[0]


def test_integers_that_are_not_counts_by_name_are_left_alone() -> None:
    table = pa.table({"year": [2023, 2024], "month": [1, 2], "n": [55, 60]})
    result = gate(table)
    assert result.table is not None
    assert result.table.column("year").to_pylist() == [2023, 2024]
    assert result.table.column("month").to_pylist() == [1, 2]


# -- identifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "classes", "blocked"),
    [
        (["city", "n"], {"city": "quasi_identifier"}, []),
        (["merchant_ref", "n"], {"merchant_ref": "identifier"}, ["merchant_ref"]),
        (["x", "n"], {"x": "PII"}, ["x"]),
        (["id_number", "n"], {}, ["id_number"]),
        (["Mobile No.", "n"], {}, ["Mobile No."]),
        (["bank_card", "email", "n"], {}, ["bank_card", "email"]),
        (["merchant_name", "uscc", "n"], {}, ["merchant_name", "uscc"]),
        (["MerchantID", "n"], {}, ["MerchantID"]),
        (["姓名", "n"], {}, ["姓名"]),
        (["city_name", "product_name", "email_count"], {}, []),
    ],
)
def test_identifier_columns_block(
    columns: list[str], classes: dict[str, str], blocked: list[str]
) -> None:
    table = pa.table(
        {c: (["v", "w"] if c != "n" and not c.endswith("count") else [50, 60]) for c in columns}
    )
    result = gate(table, column_classes=classes)
    found = [f.column for f in result.findings if f.rule == "identifier_column"]
    assert found == blocked
    assert result.allowed is (not blocked)
    assert (result.table is None) is bool(blocked)


def test_identifier_columns_can_be_allowed_by_the_zone() -> None:
    table = pa.table({"merchant_id": ["m1"], "mobile": ["13812345678"], "n": [50]})
    result = check_output(
        "t", "moderately_sensitive", table=table, rules=GateRules(identifier_columns_allowed=True)
    )
    assert result.allowed and result.findings == []


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("11010519491231002X", "a resident ID number"),
        ("110105491231002", "a 15-digit resident ID number"),
        ("13812345678", "a mobile number"),
        ("+86 13812345678", "a mobile number"),
        ("6222021234567890128", "a bank card number"),
        ("zhang.san@example.com", "an e-mail address"),
        ("91350100M000100Y43", "a unified social credit code"),
    ],
)
def test_identifier_values_block_whatever_the_column_is_called(value: str, kind: str) -> None:
    table = pa.table({"label": ["杭州", value, value], "n": [50, 60, 70]})
    result = gate(table)
    assert not result.allowed
    (finding,) = [f for f in result.findings if f.rule == "identifier_values"]
    assert (finding.column, finding.row) == ("label", 1)
    assert f"holds 2 value(s) that look like {kind}" in finding.message
    assert value not in finding.message and finding.value is not None and "*" in finding.value


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",
        "110105490230002",  # 15 digits, 1949-02-30
        "200001011230455",  # 15 digits, a timestamp
        "6222021234567890123",
        "12345",
        "hello@",
        "2023-01-01",
        "杭州",
    ],
)
def test_lookalikes_with_bad_check_digits_pass(value: str) -> None:
    assert gate(pa.table({"label": [value], "n": [50]})).allowed


# -- max_rows ----------------------------------------------------------------------------------


def test_too_many_rows_block_and_skip_cell_findings() -> None:
    table = pa.table({"g": list(range(5001)), "n": [1] * 5001})
    result = gate(table)
    assert not result.allowed and result.table is None
    assert rules_of(result) == ["max_rows"]
    assert result.findings[0].value == "5001"
    assert gate(table.slice(0, 5000)).allowed


@pytest.mark.parametrize(
    ("table", "rule", "inside", "outside"),
    [
        (
            {"n": [3]},
            "min_cell_count",
            "cell (row 0, column n) counts 3 < 10: suppressed",
            "cell (row 0, column n) counts fewer than 10: suppressed",
        ),
        (
            {"label": ["x", "13812345678"], "n": [50, 60]},
            "identifier_values",
            "(first at row 1: 13*******78)",
            "column label holds 1 value(s) that look like a mobile number (first at row 1); "
            "identifiers may not leave the zone",
        ),
    ],
)
def test_findings_drop_their_values_for_readers_outside_the_zone(
    table: dict[str, list[Any]], rule: str, inside: str, outside: str
) -> None:
    """Outside the zone a finding shows neither its value nor a message quoting it."""
    (finding,) = [f for f in gate(pa.table(table)).findings if f.rule == rule]
    assert finding.value is not None and inside in finding.message
    shown = finding.without_value()
    assert shown.value is None
    assert shown.message == f"output by_city: {outside}"
    assert finding.value not in shown.message
    report = finding.report(outside=True)
    assert report["value"] is None and report["message"] == shown.message
    assert "outside" not in report and finding.report(outside=False)["message"] == finding.message
    assert shown == Finding(
        finding.output, finding.rule, finding.column, finding.row, None, shown.message,
        finding.severity,
    )  # fmt: skip


def test_rules_from_a_zone_definition() -> None:
    rules = GateRules.from_mapping(
        {
            "min_cell_count": 7,
            "rounding": 10,
            "allowed_file_types": ["CSV", ".png"],
            "max_file_bytes": 100,
            "max_rows": 50,
            "identifier_columns_allowed": False,
            "release_approvals": 2,
        }
    )
    assert rules == GateRules(7, 10, frozenset({"csv", "png"}), 100, 50, False)
    with pytest.raises(ValueError, match="at least 1"):
        GateRules(min_cell_count=0)


def test_numeric_identifier_columns_block_when_most_values_are_identifiers() -> None:
    phones = pa.table({"contact": [13812345678, 13912345678, None], "n": [50, 60, 70]})
    result = gate(phones)
    assert not result.allowed
    (finding,) = result.findings
    assert (finding.rule, finding.column) == ("identifier_values", "contact")
    totals = pa.table({"total_fen": [13812345678, 2500, 9900], "n": [50, 60, 70]})
    assert gate(totals).allowed


def test_csv_phone_numbers_read_as_integers_still_block(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("contact,n\n13812345678,50\n13912345678,60\n")
    result = check_output("c", "moderately_sensitive", file=path, rules=RULES)
    assert not result.allowed and [f.rule for f in result.findings] == ["identifier_values"]
