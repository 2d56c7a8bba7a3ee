"""Free-text scrubbing: spans replaced, counts per entity, unsure cells counted."""

from __future__ import annotations

import pyarrow as pa
import pytest
from presidio_analyzer import AnalyzerEngine

from connectors.errors import SpecError
from connectors.pii import scrub_texts
from tests.connectors.pii._make import card, grouped, prc_id, uscc

VALID_ID = prc_id()

CASES: list[tuple[str, str, dict[str, int], bool]] = [
    # text, scrubbed, replaced, unsure
    (
        f"联系电话：13812345678，身份证号{VALID_ID}。",
        "联系电话：<PRC_MOBILE>，身份证号<PRC_ID_NUMBER>。",
        {"PRC_MOBILE": 1, "PRC_ID_NUMBER": 1},
        False,
    ),
    ("客户按时还款，经营正常。", "客户按时还款，经营正常。", {}, False),
    (
        "联系人王伟，邮箱wang.wei@example.com，住址：北京市朝阳区建国路88号",
        "联系人<PERSON>，邮箱<EMAIL_ADDRESS>，住址：<LOCATION>",
        {"PERSON": 1, "EMAIL_ADDRESS": 1, "LOCATION": 1},
        False,
    ),
    (
        f"还款卡号{grouped(card())}，执照{uscc()}",
        "还款卡号<BANK_CARD>，执照<PRC_USCC>",
        {"BANK_CARD": 1, "PRC_USCC": 1},
        False,
    ),
    ("王先生来电要求延期", "<PERSON>先生来电要求延期", {"PERSON": 1}, False),
    (
        "Call +86 138 1234 5678 or li@example.com",
        "Call <PRC_MOBILE> or <EMAIL_ADDRESS>",
        {"PRC_MOBILE": 1, "EMAIL_ADDRESS": 1},
        False,
    ),
    ("座机010-62345678", "座机<PHONE_NUMBER>", {"PHONE_NUMBER": 1}, False),
    ("经办：，王伟，已核实", "经办：，<PERSON>，已核实", {"PERSON": 1}, False),
    # doubt: a failed checksum leaves a long digit run, a name that is also a dictionary
    # word stands alone, a Luhn failure
    ("身份证号110105194912310021。", "身份证号110105194912310021。", {}, True),
    ("经办：，王明，已核实", "经办：，王明，已核实", {}, True),
    (f"卡号{card()[:-1]}0", f"卡号{card()[:-1]}0", {}, True),
    ("金额1200000元，期限12个月", "金额1200000元，期限12个月", {}, False),
]


@pytest.mark.parametrize(("text", "scrubbed", "replaced", "unsure"), CASES)
def test_scrub_one_cell(
    analyzer: AnalyzerEngine, text: str, scrubbed: str, replaced: dict[str, int], unsure: bool
) -> None:
    result = scrub_texts([text], analyzer=analyzer)
    assert result.values.to_pylist() == [scrubbed]
    assert result.replaced == replaced
    assert (result.unsure_cells, result.cells) == (int(unsure), 1)


def test_counts_over_a_column_with_nulls_and_repeats() -> None:
    values = pa.array(["电话13812345678", None, "电话13812345678", "无", "，王明，"])
    result = scrub_texts(values)
    assert result.values.to_pylist() == [
        "电话<PRC_MOBILE>",
        None,
        "电话<PRC_MOBILE>",
        "无",
        "，王明，",
    ]
    assert result.values.type == pa.string()
    assert result.replaced == {"PRC_MOBILE": 2}
    assert (result.cells, result.unsure_cells) == (4, 1)


def test_arrow_types_are_kept() -> None:
    chunked = pa.chunked_array([pa.array(["手机13812345678"], type=pa.large_string())])
    result = scrub_texts(chunked)
    assert result.values.type == pa.large_string()
    assert result.values.to_pylist() == ["手机<PRC_MOBILE>"]


def test_a_callback_substitutes_pseudonyms() -> None:
    seen: list[tuple[str, str]] = []

    def pseudonym(entity: str, text: str) -> str:
        seen.append((entity, text))
        return "13900000000" if entity == "PRC_MOBILE" else f"[{entity.lower()}]"

    result = scrub_texts([f"电话13812345678，证件{VALID_ID}"], replace=pseudonym)
    assert result.values.to_pylist() == ["电话13900000000，证件[prc_id_number]"]
    assert seen == [("PRC_MOBILE", "13812345678"), ("PRC_ID_NUMBER", VALID_ID)]
    # the pseudonym looks like a mobile number, but it is ours: no doubt raised
    assert result.unsure_cells == 0


def test_empty_input() -> None:
    result = scrub_texts([])
    assert (result.cells, result.unsure_cells, result.replaced) == (0, 0, {})
    assert len(result.values) == 0


def test_bad_arguments_are_spec_errors() -> None:
    with pytest.raises(SpecError, match="language"):
        scrub_texts(["x"], language="fr")
    with pytest.raises(SpecError, match="thresholds"):
        scrub_texts(["x"], score_threshold=0.1, unsure_threshold=0.3)
