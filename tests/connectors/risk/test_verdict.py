"""The zone's rule in words: shares printed so a small one is not read as none, the limit
and the recommendation named when over it, kept identifier-like columns pointed out, and a
refusal that names the combination and the share."""

from __future__ import annotations

import pyarrow as pa
import pytest

from connectors.errors import PrivacyError
from connectors.risk.candidates import FREE_TEXT, PSEUDONYM
from connectors.risk.estimate import measure
from connectors.risk.recommend import recommend
from connectors.risk.verdict import judge, percent, refusal
from tests.connectors.risk.data import merchants
from tests.connectors.risk.test_recommend import plan_of


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0, "0%"),
        (1, "100.0%"),
        (0.123, "12.3%"),
        (0.003, "0.3%"),
        (0.0002, "0.02%"),
        (1e-6, "<0.01%"),
    ],
)
def test_percent(share: float, text: str) -> None:
    assert percent(share) == text


def test_over_the_limit_the_message_names_columns_limit_and_recommendation() -> None:
    table = merchants()
    report, measured = measure(table, {"merchant": PSEUDONYM, "remark": FREE_TEXT})
    rec = recommend(measured, plan_of(table), 0.05, unique_share=report.unique_share)
    verdict = judge(report, rec, zone="sandbox", max_unique_share=0.05, action="warn")
    assert verdict["over_limit"]
    message = verdict["message"]
    assert message.startswith(
        f"{percent(report.unique_share)} of records are unique on (industry, monthly_sales) "
        "(all 2,000 rows) — above the sandbox zone's limit of 5.0%; the recommended spec "
        f"brings it to {percent(rec.unique_share_after)}"
    )
    error = refusal(report, rec, zone="sandbox", max_unique_share=0.05)
    assert isinstance(error, PrivacyError)
    assert "nothing was imported" in error.message and '"monthly_sales"' in error.message
    under = judge(report, None, zone="production", max_unique_share=1.0, action="warn")
    assert not under["over_limit"] and "limit" not in under["message"]


def test_a_kept_column_of_distinct_text_is_pointed_out() -> None:
    """The obvious way around the count: keep raw identifiers as plain text."""
    table = merchants(500).rename_columns(["merchant_code", "industry", "monthly_sales", "remark"])
    report, _ = measure(table, {"remark": FREE_TEXT})
    verdict = judge(report, None, zone="sandbox", max_unique_share=0.05, action="warn")
    assert (
        "not counted: (merchant_code) kept as is with nearly every value distinct"
        in (verdict["message"])
    )


def test_nothing_to_link_by() -> None:
    report, _ = measure(pa.table({"country": ["CN"] * 50}), {})
    verdict = judge(report, None, zone="sandbox", max_unique_share=0.0, action="refuse")
    assert not verdict["over_limit"]
    assert verdict["message"].startswith("no candidate quasi-identifiers")
