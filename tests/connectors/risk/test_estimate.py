"""The re-identification estimate: candidates judged by their values, the unique share and
class-size risks checked against plain counting, the combination that singles records out
named, nothing counted for pseudonyms or free text, and a file with nothing to link by at
zero."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from connectors.risk.candidates import FREE_TEXT, NEARLY_UNIQUE, PSEUDONYM, kind_of
from connectors.risk.classes import (
    class_keys,
    class_stats,
    class_summary,
    column_codes,
    hashed_codes,
    unique_mask,
)
from connectors.risk.estimate import RiskEstimator, measure
from connectors.risk.reservoir import Reservoir
from tests.connectors.risk.data import merchants, minimal_for, unique_share

EXCLUDED = {"merchant": PSEUDONYM, "remark": FREE_TEXT}


def test_the_combination_that_makes_records_unique_is_named_with_its_share() -> None:
    table = merchants()
    report, _ = measure(table, EXCLUDED)
    assert report.candidate_columns == ["industry", "monthly_sales"]
    expected = unique_share(table, ["industry", "monthly_sales"])
    assert 0.3 < expected < 0.9  # the generated file is what the test means it to be
    assert report.unique_share == pytest.approx(expected)
    assert report.unique_records == round(expected * table.num_rows)
    top = report.combinations[0]
    assert top["columns"] == ["industry", "monthly_sales"]
    assert top["minimal_for"] == minimal_for(table, ["industry", "monthly_sales"])
    assert top["unique_share"] == pytest.approx(expected)
    assert not report.sampled and report.sample_rows == report.rows == table.num_rows


def test_risks_are_one_over_class_size() -> None:
    table = pa.table({"a": ["x", "x", "x", "y", "y", "z"], "b": [1, 1, 1, 2, 2, 3]})
    report, _ = measure(table, {})
    assert report.unique_records == 1 and report.unique_share == pytest.approx(1 / 6)
    assert report.highest_risk == 1.0
    assert report.average_risk == pytest.approx((3 * (1 / 3) + 2 * (1 / 2) + 1) / 6)


def test_no_candidate_quasi_identifiers_is_zero_risk() -> None:
    rows = 500
    table = pa.table(
        {
            "merchant": [f"p_{i:032x}" for i in range(rows)],
            "country": ["CN"] * rows,
            "remark": [f"第{i}次回访，客户表示满意。" for i in range(rows)],
        }
    )
    report, _ = measure(table, {"merchant": PSEUDONYM})
    assert report.candidates == [] and report.combinations == []
    assert (report.unique_share, report.highest_risk, report.average_risk) == (0, 0, 0)
    excluded = {e["column"]: e["reason"] for e in report.excluded}
    assert excluded["merchant"] == PSEUDONYM
    assert excluded["remark"] == NEARLY_UNIQUE  # judged by its values even with no plan


def test_pseudonyms_and_free_text_are_not_counted_whatever_their_names() -> None:
    """The obvious ways around it: a pseudonym column named like a category, an industry
    column named like an identifier."""
    table = merchants(800).rename_columns(["industry_code", "merchant_id", "sales", "notes"])
    report, _ = measure(table, {})
    assert report.candidate_columns == ["merchant_id", "sales"]
    assert {e["column"] for e in report.excluded} == {"industry_code", "notes"}


DAYS = [dt.date(2020, 1, 1) + dt.timedelta(days=i % 300) for i in range(400)]


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([f"行业{i % 12}" for i in range(400)], "categorical"),
        ([i % 40 for i in range(400)], "categorical"),
        ([True, False] * 200, "categorical"),
        ([float(i) * 1.37 for i in range(400)], "amount"),
        ([float(i) * 1.37 for i in range(60)], "amount"),  # few rows, every amount exact
        ([i % 25 for i in range(60)], "categorical"),
        ([str(1000 + i % 30) for i in range(400)], "categorical"),  # codes, not years
        (pa.array([i * 101 for i in range(400)], pa.decimal128(12, 2)), "amount"),
        (DAYS, "date"),
        ([f"2023-{1 + i % 12:02d}" for i in range(400)], "date"),
        ([d.isoformat() for d in DAYS], "date"),
        (["浙江省杭州市", "广东省深圳市", "北京市朝阳区", "四川省成都市"] * 100, "geography"),
        ([f"[{i * 100}, {(i + 1) * 100})" for i in range(10)] * 40, "categorical"),
        ([f"v{i % 300}" for i in range(400)], "text"),
        ([f"p_{i:032x}" for i in range(400)], None),  # pseudonyms, by their values
        ([f"{i}号客户反馈：发票已开具，下月续约。" for i in range(400)], None),  # free text
        (["same"] * 400, None),
        ([None] * 399 + ["x"], None),
    ],
)
def test_candidates_are_judged_by_their_values(values: Any, kind: str | None) -> None:
    found, _, why = kind_of(pa.array(values) if isinstance(values, list) else values)
    assert found == kind
    assert bool(why) == (kind is None)


def test_class_keys_agree_with_plain_counting() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 30, 5000), rng.choice(["x", "y", None], 5000)
    table = pa.table({"a": a, "b": pa.array(b.tolist())})
    hashed = [hashed_codes(column_codes(table.column(c))[0], i) for i, c in enumerate("ab")]
    keys = class_keys(hashed, 5000)
    counts = Counter(zip(a.tolist(), b.tolist(), strict=True))
    alone = [counts[(x, y)] == 1 for x, y in zip(a.tolist(), b.tolist(), strict=True)]
    assert unique_mask(keys).tolist() == alone
    assert class_stats(keys) == (sum(alone), len(counts))
    assert class_summary(keys) == (sum(alone), len(counts), min(counts.values()))
    assert class_summary(keys[:1]) == (1, 1, 1) and unique_mask(keys[:0]).tolist() == []


def test_columns_do_not_cancel_out() -> None:
    """Swapped values across two columns are different classes: (1, 2) is not (2, 1)."""
    table = pa.table({"a": [1, 2], "b": [2, 1]})
    codes = [column_codes(table.column(c))[0] for c in "ab"]
    assert codes[0].tolist() == [0, 1] and codes[1].tolist() == [0, 1]
    keys = class_keys([hashed_codes(c, i) for i, c in enumerate(codes)], 2)
    assert keys[0] != keys[1]
    same = class_keys([hashed_codes(codes[0], 0), hashed_codes(codes[0], 1)], 2)
    assert same[0] != same[1]


def test_the_estimator_streams_and_says_when_it_measured_a_sample() -> None:
    table = merchants(3000)
    estimator = RiskEstimator({**EXCLUDED, "dropped": FREE_TEXT}, sample_rows=1000, seed=1)
    passed = list(estimator.observe(table.to_batches(max_chunksize=256)))
    assert sum(b.num_rows for b in passed) == 3000  # the batches go on unchanged
    report, measured = estimator.result()
    assert report.rows == 3000 and report.sample_rows == 1000 and report.sampled
    assert measured.table.column_names == ["industry", "monthly_sales"]  # excluded: not kept
    assert [e["column"] for e in report.excluded] == ["merchant", "remark"]  # only what is written
    assert report.unique_share == pytest.approx(
        unique_share(measured.table, measured.table.column_names)
    )
    again, _ = RiskEstimator(EXCLUDED, sample_rows=1000, seed=1).result()
    assert again.rows == 0 and again.unique_share == 0


def test_the_reservoir_is_uniform_and_bounded() -> None:
    hits = np.zeros(10_000)
    for seed in range(40):
        reservoir = Reservoir(500, seed=seed)
        for start in range(0, 10_000, 700):
            reservoir.update(
                pa.record_batch({"i": pa.array(np.arange(start, min(start + 700, 10_000)))})
            )
        taken = reservoir.table().column("i").to_numpy()
        assert len(taken) == 500 and len(set(taken.tolist())) == 500
        hits[taken] += 1
    halves = hits[:5000].sum(), hits[5000:].sum()  # early and late rows equally likely
    assert abs(halves[0] - halves[1]) < 0.1 * sum(halves)
    assert hits.sum() == 40 * 500
