"""Each recognizer on valid and invalid values, alone and inside Chinese sentences, through
the fast path (matches / find) and through the analyzer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from presidio_analyzer import AnalyzerEngine

from connectors.pii.recognizers import (
    RECOGNIZERS,
    bank_card,
    email,
    prc_id_number,
    prc_mobile,
    prc_uscc,
    zh_address,
    zh_name,
)
from tests.connectors.pii._make import card, grouped, prc_id, uscc, wrong_last

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def full_address(value: str) -> bool:
    return zh_address.kind_of(value) == "full"


def place_only(value: str) -> bool:
    return zh_address.kind_of(value) == "place"


VALID_ID = prc_id()  # 11010519491231002X

WHOLE_VALUES: list[tuple[Callable[[str], bool], str, bool, str]] = [
    # PRC ID number
    (prc_id_number.matches, VALID_ID, True, "valid, X check"),
    (prc_id_number.matches, VALID_ID.lower(), True, "lower-case x"),
    (prc_id_number.matches, prc_id("440305", "19851103", "123"), True, "valid, digit check"),
    (prc_id_number.matches, "110105194912310021", False, "wrong check digit"),
    (prc_id_number.matches, prc_id(born="19990230"), False, "19990230 does not exist"),
    (prc_id_number.matches, prc_id(born="18991231"), False, "born before 1900"),
    (prc_id_number.matches, prc_id(born="20991231"), False, "born in the future"),
    (prc_id_number.matches, VALID_ID[:17], False, "17 digits"),
    (prc_id_number.matches, VALID_ID + "1", False, "19 characters"),
    (prc_id_number.matches, "11010519491231A02X", False, "letter inside"),
    (prc_id_number.matches, prc_id(region="010105"), False, "region starts with 0"),
    # PRC mobile
    (prc_mobile.matches, "13812345678", True, "plain"),
    (prc_mobile.matches, "138-1234-5678", True, "dashes"),
    (prc_mobile.matches, "138 1234 5678", True, "spaces"),
    (prc_mobile.matches, "+86 138 1234 5678", True, "+86 and spaces"),
    (prc_mobile.matches, "+8613812345678", True, "+86"),
    (prc_mobile.matches, "0086-13812345678", True, "0086"),
    (prc_mobile.matches, "19912345678", True, "199"),
    (prc_mobile.matches, "12812345678", False, "12x prefix"),
    (prc_mobile.matches, "1381234567", False, "10 digits"),
    (prc_mobile.matches, "138123456789", False, "12 digits"),
    (prc_mobile.matches, "23812345678", False, "starts with 2"),
    (prc_mobile.matches, "1381234567a", False, "letter"),
    # bank card
    (bank_card.matches, card(), True, "19 digits"),
    (bank_card.matches, card("411111111111111"), True, "16 digits"),
    (bank_card.matches, grouped(card()), True, "groups of four"),
    (bank_card.matches, grouped(card(), "-"), True, "dashed groups"),
    (bank_card.matches, wrong_last(card()), False, "Luhn failure"),
    (bank_card.matches, card("41111111111111"), False, "15 digits"),
    (bank_card.matches, card("6222021234567890123"), False, "20 digits"),
    (bank_card.matches, "622202123456789012X", False, "letter"),
    # unified social credit code
    (prc_uscc.matches, uscc(), True, "valid"),
    (prc_uscc.matches, "91350100M000100Y43", True, "published example"),
    (prc_uscc.matches, uscc().lower(), True, "lower case"),
    (prc_uscc.matches, wrong_last(uscc(), USCC_CHARS), False, "wrong check character"),
    (prc_uscc.matches, "91110105MA01ABCI1" + "3", False, "I is not in the alphabet"),
    (prc_uscc.matches, uscc()[:17], False, "17 characters"),
    (prc_uscc.matches, "91AB0105MA01ABCD13", False, "letters in the region code"),
    # email
    (email.matches, "zhang.san@example.com", True, "plain"),
    (email.matches, "li@sub.example.com.cn", True, "cn second-level"),
    (email.matches, "a@b.invalidtld", False, "unknown suffix"),
    (email.matches, "邮箱a@example.com", False, "Chinese label is not part of it"),
    (email.matches, "no-at-sign.example.com", False, "no @"),
    # Chinese names (strict: common given-name characters)
    (zh_name.matches, "王伟", True, "two characters"),
    (zh_name.matches, "李凤兰", True, "three characters"),
    (zh_name.matches, "欧阳娜娜", True, "compound surname"),
    (zh_name.matches, "高风险", False, "surname-like start, not a name"),
    (zh_name.matches, "你好", False, "no surname"),
    (zh_name.matches, "王", False, "surname only"),
    (zh_name.matches, "王小明明明", False, "too long"),
    # Chinese addresses
    (full_address, "上海市浦东新区张江路100号", True, "full address"),
    (full_address, "吉林省欣县淄川惠州街B座 674391", True, "faker's shape"),
    (full_address, "北京市朝阳区", False, "no street"),
    (place_only, "北京市朝阳区", True, "place"),
    (place_only, "北京市", False, "one level only"),
    (full_address, "客户经营正常", False, "a sentence"),
]


@pytest.mark.parametrize(
    ("check", "value", "expected", "why"),
    WHOLE_VALUES,
    ids=[f"{c.__module__.rsplit('.', 1)[-1]}.{c.__name__}-{w}" for c, _, _, w in WHOLE_VALUES],
)
def test_whole_values(check: Callable[[str], bool], value: str, expected: bool, why: str) -> None:
    assert bool(check(value)) is expected, why


SENTENCES: list[tuple[str, str, list[str]]] = [
    # (entity, text, expected spans of that entity)
    ("PRC_ID_NUMBER", f"联系电话：13812345678，身份证号{VALID_ID}。", [VALID_ID]),
    ("PRC_ID_NUMBER", "联系电话：13812345678，身份证号110105194912310021。", []),
    ("PRC_ID_NUMBER", f"身份证号{prc_id(born='19990230')}", []),
    ("PRC_ID_NUMBER", f"号码{VALID_ID}9", []),
    ("PRC_MOBILE", f"联系电话：13812345678，身份证号{VALID_ID}。", ["13812345678"]),
    (
        "PRC_MOBILE",
        "手机138-1234-5678，备用+86 139 1234 5678。",
        ["138-1234-5678", "+86 139 1234 5678"],
    ),
    ("PRC_MOBILE", "电话12812345678，不是手机号", []),
    ("PRC_MOBILE", "订单号2013812345678901", []),
    ("BANK_CARD", f"卡号{card()}，开户行工商银行", [card()]),
    ("BANK_CARD", f"还款卡号：{grouped(card())}。", [grouped(card())]),
    ("BANK_CARD", f"卡号{wrong_last(card())}", []),
    ("PRC_USCC", f"统一社会信用代码：{uscc()}；", [uscc()]),
    ("PRC_USCC", f"信用代码{wrong_last(uscc(), USCC_CHARS)}", []),
    ("EMAIL_ADDRESS", "邮箱zhang.san@example.com，谢谢", ["zhang.san@example.com"]),
    ("EMAIL_ADDRESS", "联系：li@example.cn或电话", ["li@example.cn"]),
    ("PERSON", "联系人张三，电话13812345678", ["张三"]),
    ("PERSON", "法人代表李四电话13812345678", ["李四"]),
    ("PERSON", "姓名：欧阳娜娜。", ["欧阳娜娜"]),
    ("PERSON", "请王先生回电", ["王"]),
    ("PERSON", "客户高兴地说经营正常", []),
    ("LOCATION", "我住在北京市朝阳区建国路88号，", ["北京市朝阳区建国路88号"]),
    (
        "LOCATION",
        "地址：上海市浦东新区张江路100号3栋2单元501室",
        ["上海市浦东新区张江路100号3栋2单元501室"],
    ),
    ("LOCATION", "去超市的路上", []),
]
SENTENCE_IDS = [f"{entity}-{i}" for i, (entity, _, _) in enumerate(SENTENCES)]


@pytest.mark.parametrize(("entity", "text", "expected"), SENTENCES, ids=SENTENCE_IDS)
def test_fast_find_in_sentences(entity: str, text: str, expected: list[str]) -> None:
    entry = next(e for e in RECOGNIZERS if e.entity == entity)
    found = [text[start:end] for start, end, score in entry.find(text) if score >= 0.4]
    assert found == expected


@pytest.mark.parametrize(("entity", "text", "expected"), SENTENCES, ids=SENTENCE_IDS)
def test_analyzer_in_sentences(
    analyzer: AnalyzerEngine, entity: str, text: str, expected: list[str]
) -> None:
    results = analyzer.analyze(text, language="zh", score_threshold=0.4)
    assert [text[r.start : r.end] for r in results if r.entity_type == entity] == expected


def test_a_name_standing_alone_is_only_a_low_score() -> None:
    (found,) = zh_name.find("，王伟，")
    assert found[:2] == (1, 3) and found[2] < 0.4


def test_every_recognizer_is_in_the_registry() -> None:
    assert [e.entity for e in RECOGNIZERS] == [
        "PRC_ID_NUMBER",
        "PRC_ID_NUMBER",  # 15 digits, first generation
        "PRC_USCC",
        "BANK_CARD",
        "PRC_MOBILE",
        "EMAIL_ADDRESS",
        "LOCATION",
        "PERSON",  # Chinese names
        "PERSON",  # Latin-script names
    ]
