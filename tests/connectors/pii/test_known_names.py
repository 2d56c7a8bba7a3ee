"""Names known from a name column, found again in free text with no context."""

from __future__ import annotations

import pyarrow as pa
import pytest
from presidio_analyzer import AnalyzerEngine

from connectors.pii import scrub_texts
from connectors.pii.known_names import KnownNames

NAMES = ["廉洁", "和建平", "阿依古丽·买买提", "Will Grant", "Li", "O'Brien", "Mary Ann Lee"]


@pytest.fixture(scope="module")
def known() -> KnownNames:
    return KnownNames(NAMES)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("法人代表廉洁表示", ["廉洁"]),
        ("已与和建平确认", ["和建平"]),
        ("阿依古丽·买买提来电", ["阿依古丽·买买提"]),
        ("Will Grant pays on Friday", ["Will Grant"]),
        # A known name of two words is found in any case: "john smith" is still him. The
        # price is the rare phrase that spells a known name; it costs a word, not privacy.
        ("will grant the loan", ["will grant"]),
        ("met will grant today", ["will grant"]),
        ("li called", []),  # a one-word name must be capitalized: "will", "li", "may" ...
        ("Grant will call", []),  # one word of a two-word name is not the name
        ("Mr Li and Ms Lily", ["Li"]),  # whole words only: not inside "Lily"
        ("Talked to O'Brien.", ["O'Brien"]),
        ("Mary Ann Lee and Mary Ann", ["Mary Ann Lee"]),
        ("MARY ANN LEE", ["MARY ANN LEE"]),
        ("廉洁和建平都来了", ["廉洁", "和建平"]),
        ("清正廉洁", ["廉洁"]),  # a known name is replaced wherever it occurs
        ("无关内容", []),
    ],
)
def test_find(known: KnownNames, text: str, found: list[str]) -> None:
    assert [text[a:b] for a, b in known.find(text)] == found


def test_the_longest_known_name_wins() -> None:
    known = KnownNames(["张三", "张三丰", "三丰"])
    text = "张三丰到访"
    assert [text[a:b] for a, b in known.find(text)] == ["张三丰"]


def test_what_is_no_plausible_name_is_skipped() -> None:
    known = KnownNames(["王", "A", None, "", "  ", "13812345678", "张三 Zhang", "王 五"])
    assert len(known) == 0
    assert known.find("王五和A说了13812345678") == []


def test_add_takes_arrow_arrays_and_grows() -> None:
    known = KnownNames()
    assert not known
    known.add(pa.array(["李建国", None, "李建国", "John Smith"]))
    known.add(pa.chunked_array([pa.array(["周杰"], type=pa.large_string())]))
    assert len(known) == 3
    assert known.find("周杰和John Smith") == [(0, 2), (3, 13)]
    assert known.find("周杰和John  Smith") == [(0, 2), (3, 14)]  # blanks are blanks
    assert known.find("John, Smith") == []  # a comma separates two people


def test_many_names_are_sets_not_patterns() -> None:
    known = KnownNames(f"{chr(0x4E00 + i // 200)}{chr(0x4E00 + i % 200)}" for i in range(40_000))
    assert len(known) == 40_000
    assert known.find("丁丁说") == [(0, 2)]


def test_scrub_replaces_known_names_without_context(analyzer: AnalyzerEngine) -> None:
    texts = ["廉洁说资金周转困难", "Spoke to the client, Will Grant will pay", "清正廉洁", None]
    without = scrub_texts(texts, analyzer=analyzer)
    assert without.values.to_pylist()[0] == "廉洁说资金周转困难"
    result = scrub_texts(texts, analyzer=analyzer, known_names=KnownNames(NAMES))
    assert result.values.to_pylist() == [
        "<PERSON>说资金周转困难",
        "Spoke to the client, <PERSON> will pay",
        "清正<PERSON>",
        None,
    ]
    assert result.replaced == {"PERSON": 3}


def test_a_known_name_and_a_found_one_overlapping_are_one_replacement(
    analyzer: AnalyzerEngine,
) -> None:
    result = scrub_texts(
        ["客户张军电话13812345678"], analyzer=analyzer, known_names=KnownNames(["张军电"])
    )
    assert result.values.to_pylist() == ["客户<PERSON>话<PRC_MOBILE>"]
    assert result.replaced == {"PERSON": 1, "PRC_MOBILE": 1}
