"""First-generation (15-digit) resident ID numbers: whole values, inside text, and as a column
with no helpful name - and the 15-digit look-alikes (order numbers, timestamps, prefixed
phone numbers, longer digit runs) that must stay what they are."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa
import pytest
from presidio_analyzer import AnalyzerEngine

from connectors.operators.defaults import default_choice
from connectors.pii import classify_columns
from connectors.pii.fastscan import scan_text
from connectors.pii.recognizers import prc_id_number_15

ROWS = 200
VALID = "110105491231002"  # Beijing Chaoyang, born 1949-12-31


def id15(region: str = "110105", born: str = "491231", seq: str = "002") -> str:
    return region + born + seq


WHOLE_VALUES: list[tuple[str, bool, str]] = [
    (VALID, True, "Beijing, 1949-12-31"),
    (id15("440305", "851103", "123"), True, "Shenzhen"),
    (id15("650102", "000101", "001"), True, "Xinjiang, 1900-01-01"),
    (id15("820000", "990615", "999"), True, "Macao"),
    (id15("710000", "720229", "010"), True, "Taiwan, leap day 1972"),
    (f" {VALID} ", True, "surrounding spaces"),
    (id15("330106", "730229", "010"), False, "1973-02-29 does not exist"),
    (id15("330106", "000229", "010"), False, "1900 was not a leap year"),
    (id15("330106", "850230", "010"), False, "Feb 30"),
    (id15("330106", "851301", "010"), False, "month 13"),
    (id15("330106", "850001", "010"), False, "month 00"),
    (id15("330106", "850100", "010"), False, "day 00"),
    (id15("330106", "850431", "010"), False, "April 31"),
    (id15("100105", "491231", "002"), False, "region 10 does not exist"),
    (id15("910105", "491231", "002"), False, "region 91 does not exist"),
    (id15("390105", "491231", "002"), False, "region 39 does not exist"),
    (id15("010105", "491231", "002"), False, "leading zero"),
    ("200001011230455", False, "timestamp 2000-01-01 12:30:45.5"),
    ("202406150001234", False, "order number yyyymmdd + sequence"),
    ("100000000000001", False, "running order number"),
    ("008613812345678", False, "mobile with 0086"),
    ("8613812345678", False, "mobile with 86, 13 digits"),
    ("+8613812345678", False, "mobile with +86"),
    (VALID[:14], False, "14 digits"),
    (VALID + "0", False, "16 digits"),
    ("11010549123100X", False, "letter inside"),
    ("１１０１０５４９１２３１００２", False, "full-width digits"),
]


@pytest.mark.parametrize(
    ("value", "expected", "why"), WHOLE_VALUES, ids=[w for _, _, w in WHOLE_VALUES]
)
def test_whole_values(value: str, expected: bool, why: str) -> None:
    assert prc_id_number_15.matches(value.strip()) is expected, why


SENTENCES: list[tuple[str, list[str], str]] = [
    (f"客户身份证号{VALID}，电话13812345678。", [VALID], "after a label, before CJK punctuation"),
    (f"证件:{VALID}", [VALID], "after a colon"),
    (f"old id {VALID} renewed", [VALID], "between spaces"),
    (f"{VALID}", [VALID], "alone"),
    (f"号码{VALID}9", [], "16 digits: part of a longer run"),
    (f"号码9{VALID}", [], "a digit before it"),
    (f"订单{VALID}{VALID}", [], "two glued together"),
    (f"A{VALID}", [], "a letter before it"),
    (f"{VALID}B", [], "a letter after it"),
    ("下单时间200001011230455，已发货", [], "timestamp in text"),
    ("请拨008613812345678或8613812345678", [], "prefixed mobiles in text"),
    ("订单号202406150001234已完成", [], "order number in text"),
]


@pytest.mark.parametrize(("text", "expected", "why"), SENTENCES, ids=[w for _, _, w in SENTENCES])
def test_found_inside_text_by_the_fast_scan(text: str, expected: list[str], why: str) -> None:
    found = scan_text(text, min_score=0.4)
    assert [text[f.start : f.end] for f in found if f.entity == "PRC_ID_NUMBER"] == expected, why


@pytest.mark.parametrize(("text", "expected", "why"), SENTENCES, ids=[w for _, _, w in SENTENCES])
def test_found_inside_text_by_the_analyzer(
    analyzer: AnalyzerEngine, text: str, expected: list[str], why: str
) -> None:
    results = analyzer.analyze(text, language="zh", score_threshold=0.4)
    found = [text[r.start : r.end] for r in results if r.entity_type == "PRC_ID_NUMBER"]
    assert found == expected, why


def _ids(rng: random.Random) -> list[str]:
    regions = sorted(prc_id_number_15.PROVINCES)
    out = []
    for _ in range(ROWS):
        born = dt.date(1920, 1, 1) + dt.timedelta(days=rng.randrange(29000))
        region = f"{rng.choice(regions)}{rng.randrange(100):02d}{rng.randrange(1, 30):02d}"
        out.append(region + born.strftime("%y%m%d") + f"{rng.randrange(1000):03d}")
    return out


def _orders(rng: random.Random) -> list[str]:
    """15-digit order numbers: yyyymmdd of the order, then a 7-digit sequence."""
    start = dt.date(2019, 1, 1)
    return [
        (start + dt.timedelta(days=rng.randrange(2000))).strftime("%Y%m%d")
        + f"{rng.randrange(10**7):07d}"
        for _ in range(ROWS)
    ]


def _timestamps(rng: random.Random) -> list[str]:
    """yyyyMMddHHmmss plus tenths of a second: 15 digits."""
    start = dt.datetime(1999, 1, 1)
    return [
        (start + dt.timedelta(seconds=rng.randrange(10**9))).strftime("%Y%m%d%H%M%S")
        + str(rng.randrange(10))
        for _ in range(ROWS)
    ]


def _prefixed_mobiles(rng: random.Random) -> list[str]:
    return [f"00861{rng.choice('3589')}{rng.randrange(10**9):09d}" for _ in range(ROWS)]


@pytest.fixture(scope="module")
def columns() -> pa.Table:
    rng = random.Random(15)
    ids = _ids(rng)
    return pa.table(
        {
            "col_7": ids,
            "col_8": pa.array([int(v) for v in ids], pa.int64()),
            "col_9": _orders(rng),
            "col_10": _timestamps(rng),
            "col_11": _prefixed_mobiles(rng),
        }
    )


COLUMNS: list[tuple[str, str, str | None, str]] = [
    # column, classification, entity, default operator
    ("col_7", "identifier", "PRC_ID_NUMBER", "pseudonym"),
    ("col_8", "identifier", "PRC_ID_NUMBER", "pseudonym"),
    ("col_9", "plain", None, "keep"),
    ("col_10", "plain", None, "keep"),
    ("col_11", "identifier", "PRC_MOBILE", "pseudonym"),
]


@pytest.mark.parametrize(
    ("column", "classification", "entity", "operator"), COLUMNS, ids=[c[0] for c in COLUMNS]
)
def test_a_column_with_no_helpful_name(
    columns: pa.Table, column: str, classification: str, entity: str | None, operator: str
) -> None:
    finding = classify_columns(columns.select([column]))[column]
    assert (finding.classification, finding.entity) == (classification, entity), finding.evidence
    assert finding.name_hint is None
    choice = default_choice(
        finding.classification,
        finding.entity,
        free_text=finding.free_text,
        free_text_policy="scrub_or_drop",
        dtype=columns.schema.field(column).type,
    )
    assert choice.operator == operator
    if entity == "PRC_ID_NUMBER":
        assert finding.share == 1.0 and "valid PRC ID numbers" in finding.evidence


def test_a_hinted_column_of_old_ids_is_classified_by_its_content() -> None:
    """身份证号 already hinted PRC_ID_NUMBER; now the content agrees instead of scoring 0%."""
    values = [VALID, id15("440305", "851103", "123"), id15("820000", "990615", "999")]
    finding = classify_columns(pa.table({"身份证号": values}))["身份证号"]
    assert (finding.classification, finding.entity, finding.share) == (
        "identifier",
        "PRC_ID_NUMBER",
        1.0,
    )


def test_the_region_table_is_province_level() -> None:
    assert len(prc_id_number_15.PROVINCES) == 34  # 31 mainland, Taiwan, Hong Kong, Macao
    assert min(prc_id_number_15.PROVINCES) == 11 and max(prc_id_number_15.PROVINCES) == 82
