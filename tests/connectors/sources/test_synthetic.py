"""The synthetic merchants: valid identifiers, determinism, a learnable default label."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

from connectors.checksums import is_valid_prc_id, is_valid_uscc, luhn_ok
from connectors.errors import SpecError
from connectors.sources import open_source
from connectors.sources._synthids import MOBILE_PREFIXES
from connectors.sources.synthetic import PII_COLUMNS, SyntheticSource

MOBILE = re.compile(r"(?:\+86 ?)?(1[3-9][0-9])-?([0-9]{4})-?([0-9]{4})")


def _table(source: SyntheticSource, batch_rows: int = 65_536) -> pa.Table:
    return pa.Table.from_batches(list(source.batches(batch_rows)), schema=source.schema())


@pytest.fixture(scope="module")
def merchants() -> pa.Table:
    return _table(SyntheticSource(rows=40_000, seed=11, profile="full"))


@pytest.mark.parametrize(
    ("column", "valid"),
    [
        ("id_number", is_valid_prc_id),
        ("bank_card", lambda v: 16 <= len(v) <= 19 and luhn_ok(v)),
        ("uscc", is_valid_uscc),
        ("mobile", lambda v: (m := MOBILE.fullmatch(v)) and int(m[1]) in MOBILE_PREFIXES),
        ("email", lambda v: re.fullmatch(r"[a-z0-9._]+@[a-z0-9.]+\.[a-z]+", v)),
        ("merchant_id", lambda v: re.fullmatch(r"M[0-9]{10}", v)),
        ("address", lambda v: re.fullmatch(r"\w+(省|市)\w*(区|县)\w+号", v)),
    ],
)
def test_every_generated_identifier_is_valid(
    merchants: pa.Table, column: str, valid: object
) -> None:
    assert callable(valid)
    values = merchants.column(column).to_pylist()
    bad = [v for v in values if not valid(v)]
    assert bad == []


def test_mobiles_come_in_several_formats(merchants: pa.Table) -> None:
    values = merchants.column("mobile").to_pylist()
    assert sum(v.startswith("+86 ") for v in values) > 1000
    assert sum(len(v) == 11 for v in values) > 20_000


def test_profiles_have_the_expected_columns() -> None:
    bench = SyntheticSource(rows=1).schema()
    assert bench.names == [
        "merchant_id", "name", "id_number", "mobile", "bank_card", "uscc", "email",
        "address", "registered", "monthly_sales", "refund_rate", "rating", "loans", "default",
    ]  # fmt: skip
    full = SyntheticSource(rows=1, profile="full").schema()
    assert [n for n in full.names if n.startswith("sales_m")] == [
        f"sales_m{m:02d}" for m in range(1, 13)
    ]
    assert "overdue" in full.names and "refunds_m12" in full.names
    assert set(PII_COLUMNS) <= set(bench.names)


def test_same_seed_same_rows_whatever_the_batch_size() -> None:
    a = _table(SyntheticSource(rows=50_000, seed=5), batch_rows=7_000)
    b = _table(SyntheticSource(rows=50_000, seed=5), batch_rows=65_536)
    assert a.equals(b)
    prefix = _table(SyntheticSource(rows=1_000, seed=5))
    assert prefix.equals(a.slice(0, 1_000))
    other = _table(SyntheticSource(rows=1_000, seed=6))
    assert not other.equals(prefix)
    assert [x.num_rows for x in SyntheticSource(rows=50_000, seed=5).batches(20_000)] == [
        20_000,
        20_000,
        10_000,
    ]


def test_default_rate_and_its_signal(merchants: pa.Table) -> None:
    default = merchants.column("default").to_numpy()
    assert 0.03 <= default.mean() <= 0.30
    refunds = sum(merchants.column(f"refunds_m{m:02d}").to_numpy() for m in range(1, 13))
    sales = sum(merchants.column(f"sales_m{m:02d}").to_numpy() for m in range(1, 13))
    refund_rate = refunds / sales
    assert np.corrcoef(refund_rate, default)[0, 1] > 0.1
    high = refund_rate > np.quantile(refund_rate, 0.8)
    low = refund_rate < np.quantile(refund_rate, 0.2)
    assert default[high].mean() > 2 * default[low].mean()
    overdue = merchants.column("overdue").to_numpy()
    assert default[overdue > 0].mean() > default[overdue == 0].mean()
    rating = merchants.column("rating").to_numpy()
    assert rating.min() >= 1 and rating.max() <= 5


def test_en_us_locale_and_empty() -> None:
    rows = _table(SyntheticSource(rows=100, seed=1, locale="en_US")).to_pylist()
    assert all(re.fullmatch(r"[A-Za-z .'-]+", r["name"]) for r in rows)
    assert all(is_valid_prc_id(r["id_number"]) for r in rows)
    assert list(SyntheticSource(rows=0).batches()) == []


def test_describe_and_registry() -> None:
    source = open_source({"kind": "synthetic", "rows": 10, "seed": 3, "locale": "zh_CN"})
    facts = source.describe()
    assert {k: facts[k] for k in ("kind", "rows", "seed", "locale", "profile")} == {
        "kind": "synthetic", "rows": 10, "seed": 3, "locale": "zh_CN", "profile": "bench",
    }  # fmt: skip


@pytest.mark.parametrize(
    "options",
    [
        {"rows": -1},
        {"rows": 1.5},
        {"rows": 1, "seed": -2},
        {"rows": 1, "locale": "fr_FR"},
        {"rows": 1, "profile": "huge"},
    ],
)
def test_bad_options(options: dict[str, object]) -> None:
    with pytest.raises(SpecError):
        SyntheticSource(**options)  # type: ignore[arg-type]
