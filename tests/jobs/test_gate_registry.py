"""The gate's registry, and what column names are taken to mean."""

from __future__ import annotations

import pyarrow as pa
import pytest

from jobs.gate.counts import count_columns
from jobs.gate.model import CheckOutcome, TableContext
from jobs.gate.names import identifier_kind, looks_like_count, normalize
from jobs.gate.registry import file_checks, table_check, table_checks


def test_checks_run_in_a_fixed_order() -> None:
    assert [c.name for c in table_checks()] == [
        "max_rows",
        "contributors",
        "lineage_notes",
        "count_columns",
        "identifier_columns",
        "identifier_values",
        "value_overlap",
        "pii_classifier",
        "min_cell_count",
        "rounding",
    ]
    assert [c.name for c in file_checks()] == [
        "regular_file",
        "file_type",
        "file_size",
        "file_content",
    ]


def test_one_check_per_module() -> None:
    modules = [c.run.__module__ for c in [*table_checks(), *file_checks()]]
    assert len(set(modules)) == len(modules)
    assert all(m.startswith("jobs.gate.checks.") for m in modules)


def test_a_name_is_registered_once() -> None:
    def other(ctx: TableContext) -> CheckOutcome:
        return CheckOutcome()

    with pytest.raises(ValueError, match="already registered"):
        table_check("rounding", order=1)(other)


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("MerchantID", "merchant_id"),
        ("Mobile No.", "mobile_no"),
        ("IDNumber", "id_number"),
        ("n", "n"),
    ],
)
def test_normalize(name: str, normalized: str) -> None:
    assert normalize(name) == normalized


@pytest.mark.parametrize(
    "name",
    [
        "id_number", "idcard", "resident_id", "passport_no", "mobile", "phone_number", "tel",
        "contact_phone", "bank_card", "card_no", "account_number", "uscc", "credit_code",
        "email", "e_mail", "name", "full_name", "merchant_name", "legal_person_name", "address",
        "home_address", "ip", "device_id", "id", "merchant_id", "customerId", "user_id",
        "身份证号", "手机号码", "姓名", "统一社会信用代码",
    ],
)  # fmt: skip
def test_identifier_names(name: str) -> None:
    assert identifier_kind(name) is not None


@pytest.mark.parametrize(
    "name",
    ["city", "city_name", "product_name", "region_id", "hotel", "n", "year", "sales", "城市"],
)
def test_names_that_are_not_identifiers(name: str) -> None:
    assert identifier_kind(name) is None


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("n", True), ("count", True), ("cnt", True), ("num_loans", True), ("n_merchants", True),
        ("loan_count", True), ("defaults_cnt", True), ("freq", True), ("商户数量", True),
        ("人数", True), ("year", False), ("amount", False), ("merchants", False), ("month", False),
        ("number_of_x", False),
    ],
)  # fmt: skip
def test_count_names(name: str, count: bool) -> None:
    assert looks_like_count(name) is count


def test_count_columns_rule() -> None:
    table = pa.table(
        {
            "n": pa.array([1], pa.int32()),
            "n_float": [1.0],
            "num_text": ["1"],
            "total": [5],
            "weight": [0.5],
            "s": pa.array([1], pa.decimal128(38, 0)),
            "loan_count": pa.array([1], pa.decimal128(38, 0)),
        }
    )
    assert count_columns(table, None) == ("n", "loan_count")
    assert count_columns(table, ["total", "weight", "num_text"]) == (
        "n",
        "total",
        "weight",
        "loan_count",
    )
