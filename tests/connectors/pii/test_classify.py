"""Column classification on a realistic sample: Chinese and English column names, columns
with no hint but clear content, checksum failures, mixed columns, free text."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pyarrow as pa
import pytest
from faker import Faker
from presidio_analyzer import AnalyzerEngine

from connectors.errors import SpecError
from connectors.pii import ColumnFinding, classify_columns
from connectors.pii.hints import match_hint
from connectors.pii.values import is_ip
from tests.connectors.pii._make import card, prc_id, uscc, wrong_last

ROWS = 200


def _uscc(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return uscc("91" + rng.choice(["110105", "310115", "440305"]) + body)


def _bad_id(rng: random.Random) -> str:
    """18 digits shaped like an ID number (real date) whose check digit is wrong."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
    good = prc_id("330106", born.strftime("%Y%m%d"), f"{rng.randrange(1000):03d}")
    return wrong_last(good)


def _sample() -> pa.Table:
    zh, en, rng = Faker("zh_CN"), Faker("en_US"), random.Random(7)
    Faker.seed(7)
    n = range(ROWS)
    remarks = ["按时还款，经营正常。", "客户要求延期，已电话沟通。", "门店装修，流水下降。"]
    places = ["深圳市", "杭州市", "成都市", "北京市朝阳区", "广州市天河区"]
    columns: dict[str, list[object]] = {
        "姓名": [zh.name() for _ in n],
        "身份证号": [zh.ssn() for _ in n],
        "phone": [zh.phone_number() for _ in n],
        "银行卡号": [card("622202" + f"{rng.randrange(10**12):012d}") for _ in n],
        "统一社会信用代码": [_uscc(rng) for _ in n],
        "email": [zh.email() for _ in n],
        "经营地址": [zh.address() for _ in n],
        "city": [rng.choice(places) for _ in n],
        "出生日期": [zh.date_of_birth().isoformat() for _ in n],
        "年龄": [rng.randint(18, 70) for _ in n],
        "性别": [rng.choice(["男", "女"]) for _ in n],
        "邮编": [zh.postcode() for _ in n],
        "monthly_income": [rng.randint(3000, 50000) for _ in n],
        "monthly_sales": [round(rng.uniform(1e4, 1e6), 2) for _ in n],
        "违约标签": [rng.random() < 0.1 for _ in n],
        "registration_date": [zh.date_between("-5y") for _ in n],
        "商户名称": [zh.company() for _ in n],
        "full_name": [en.name() for _ in n],
        "ip": [en.ipv4() for _ in n],
        "备注": [rng.choice(remarks) for _ in n],
        # no hint, clear content
        "v_id": [zh.ssn() for _ in n],
        "v_int_digits": [int(zh.phone_number()) for _ in n],
        "v_nm": [zh.name() for _ in n],
        "v_em": [en.email() for _ in n],
        "v_place_text": [zh.address() for _ in n],
        "v_code": [_uscc(rng) for _ in n],
        "v_landline": [
            f"0{rng.choice([10, 21, 755])}-{rng.randrange(2 * 10**7, 10**8)}" for _ in n
        ],
        "v_text": [
            f"{zh.sentence()} 联系人{zh.name()}，电话{zh.phone_number()}。"
            if i % 4 == 0
            else f"{zh.sentence()}{zh.sentence()}"
            for i in n
        ],
        # look-alikes and mixtures
        "order_no": [_bad_id(rng) for _ in n],
        "v_mixed_under": [zh.phone_number() if i % 5 < 2 else zh.word() for i in n],
        "v_contact": [zh.phone_number() if i % 2 else zh.email() for i in n],
        "v_rating": [rng.randint(1, 5) for _ in n],
        "empty": [None for _ in n],
    }
    return pa.table(columns)


@pytest.fixture(scope="module")
def findings() -> dict[str, ColumnFinding]:
    return classify_columns(_sample())


EXPECTED: list[tuple[str, str, str | None, str | None, bool]] = [
    # column, classification, entity, hint, free_text
    ("姓名", "identifier", "PERSON", "姓名", False),
    ("身份证号", "identifier", "PRC_ID_NUMBER", "身份证号", False),
    ("phone", "identifier", "PRC_MOBILE", "phone", False),
    ("银行卡号", "identifier", "BANK_CARD", "银行卡号", False),
    ("统一社会信用代码", "identifier", "PRC_USCC", "统一社会信用代码", False),
    ("email", "identifier", "EMAIL_ADDRESS", "email", False),
    ("经营地址", "identifier", "LOCATION", "经营地址", False),
    ("city", "quasi_identifier", "LOCATION", "city", False),
    ("出生日期", "quasi_identifier", "DATE_OF_BIRTH", "出生日期", False),
    ("年龄", "quasi_identifier", "AGE", "年龄", False),
    ("性别", "quasi_identifier", "GENDER", "性别", False),
    ("邮编", "quasi_identifier", "POSTCODE", "邮编", False),
    ("monthly_income", "sensitive", None, "income", False),
    ("monthly_sales", "plain", None, None, False),
    ("违约标签", "sensitive", None, "违约", False),
    ("registration_date", "quasi_identifier", "DATE_TIME", "registration_date", False),
    ("商户名称", "identifier", "ORGANIZATION", "商户名称", False),
    ("full_name", "identifier", "PERSON", "full_name", False),
    ("ip", "identifier", "IP_ADDRESS", "ip", False),
    ("备注", "sensitive", "FREE_TEXT", "备注", True),
    ("v_id", "identifier", "PRC_ID_NUMBER", None, False),
    ("v_int_digits", "identifier", "PRC_MOBILE", None, False),
    ("v_nm", "identifier", "PERSON", None, False),
    ("v_em", "identifier", "EMAIL_ADDRESS", None, False),
    ("v_place_text", "identifier", "LOCATION", None, False),
    ("v_code", "identifier", "PRC_USCC", None, False),
    ("v_landline", "identifier", "PHONE_NUMBER", None, False),
    ("v_text", "identifier", "FREE_TEXT", None, True),
    ("v_contact", "identifier", "PRC_MOBILE", None, False),
    ("v_rating", "plain", None, None, False),
    ("empty", "plain", None, None, False),
]


@pytest.mark.parametrize(
    ("column", "classification", "entity", "hint", "free_text"),
    EXPECTED,
    ids=[row[0] for row in EXPECTED],
)
def test_classification(
    findings: dict[str, ColumnFinding],
    column: str,
    classification: str,
    entity: str | None,
    hint: str | None,
    free_text: bool,
) -> None:
    finding = findings[column]
    assert (finding.classification, finding.entity) == (classification, entity), finding.evidence
    assert finding.name_hint == hint
    assert finding.free_text is free_text
    assert finding.column == column
    assert 0.0 <= finding.share <= 1.0


def test_every_column_gets_a_finding(findings: dict[str, ColumnFinding]) -> None:
    assert set(findings) == set(_sample().column_names)


def test_ids_failing_the_checksum_are_not_id_numbers(findings: dict[str, ColumnFinding]) -> None:
    finding = findings["order_no"]
    assert finding.entity != "PRC_ID_NUMBER"
    assert finding.classification == "plain"


def test_a_mixed_column_under_the_threshold_stays_plain(findings: dict[str, ColumnFinding]) -> None:
    finding = findings["v_mixed_under"]
    assert finding.classification == "plain"
    assert finding.entity == "PRC_MOBILE"
    assert finding.share == pytest.approx(0.4)
    assert "below the 60% threshold" in finding.evidence


def test_threshold_is_the_callers() -> None:
    table = _sample().select(["v_mixed_under"])
    (finding,) = classify_columns(table, threshold=0.3).values()
    assert (finding.classification, finding.entity) == ("identifier", "PRC_MOBILE")


def test_evidence_is_one_sentence_with_numbers(findings: dict[str, ColumnFinding]) -> None:
    assert findings["身份证号"].evidence == (
        f"100% of {ROWS} sampled values are valid PRC ID numbers; column name hints 身份证号"
    )
    assert findings["v_id"].sampled == ROWS
    assert findings["empty"].sampled == 0
    assert findings["empty"].evidence == "no non-null values sampled"


def test_free_text_share_counts_cells_with_pii(findings: dict[str, ColumnFinding]) -> None:
    finding = findings["v_text"]
    assert finding.share == pytest.approx(0.25, abs=0.02)
    assert "PRC_MOBILE" in finding.evidence


def test_presidio_sees_only_unclassified_code_like_columns(
    monkeypatch: pytest.MonkeyPatch, analyzer: AnalyzerEngine
) -> None:
    calls: list[str] = []
    original = type(analyzer).analyze

    def counting(self: AnalyzerEngine, text: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(text)
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(type(analyzer), "analyze", counting)
    table = _sample()
    classify_columns(table, analyzer=analyzer)
    asked_about = set(table.column("v_landline").to_pylist() + table.column("order_no").to_pylist())
    assert set(calls) <= asked_about
    assert 0 < len(calls) <= 2 * 50


@pytest.mark.parametrize(
    ("column", "word", "entity"),
    [
        ("联系人电话", "电话", "PHONE_NUMBER"),
        ("联系人姓名", "姓名", "PERSON"),
        ("法人身份证号", "身份证号", "PRC_ID_NUMBER"),
        ("手机号码", "手机号码", "PRC_MOBILE"),
        ("email_address", "email_address", "EMAIL_ADDRESS"),
        ("contactPhone", "phone", "PHONE_NUMBER"),
        ("IDNumber", "id_number", "PRC_ID_NUMBER"),
        ("cardNo", "card_no", "BANK_CARD"),
        ("dateOfBirth", "date_of_birth", "DATE_OF_BIRTH"),
        ("zip_code", "zip_code", "POSTCODE"),
        ("Remarks", "remarks", "FREE_TEXT"),
        ("说明", "说明", "FREE_TEXT"),
        ("hotel", None, None),
        ("telegram_id", None, None),
        ("monthly_sales", None, None),
    ],
)
def test_name_hints(column: str, word: str | None, entity: str | None) -> None:
    hint = match_hint(column)
    assert (hint.word if hint else None, hint.entity if hint else None) == (word, entity)


def _words(text: str) -> list[str]:
    return text.split()


# hint words the classifier must know, Chinese and English
REQUIRED_HINTS = _words(
    "姓名 名字 法人 联系人 身份证 身份证号 证件号 手机 手机号 电话 联系电话 银行卡 卡号 账号 "
    "统一社会信用代码 信用代码 邮箱 地址 住址 出生日期 生日 年龄 性别 邮编 name full_name id_card "
    "id_number idno phone mobile tel bank_card card_no account uscc credit_code email address "
    "birth dob age gender zip postcode remark remarks note notes comment comments description "
    "备注 说明 描述"
)


@pytest.mark.parametrize("word", REQUIRED_HINTS)
def test_each_hint_word_names_a_column(word: str) -> None:
    hint = match_hint(word)
    assert hint is not None and hint.word == word
    assert match_hint(f"客户_{word}_1") == hint


def test_a_bad_threshold_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="threshold"):
        classify_columns(pa.table({"a": [1]}), threshold=0)


@pytest.mark.parametrize(
    "value",
    ["192.168.1.1", "::1", "FE80::1", "fe80::1%eth0", "::ffff:10.0.0.1", "2001:db8::ff00:42:8329"],
)
def test_ip_addresses_pass_the_shape_test_and_the_parse(value: str) -> None:
    assert is_ip(value)


@pytest.mark.parametrize(
    "value", ["256.1.1.1", "1.2.3", " 1.2.3.4", "1::2::3", "fe80::1%", "a.b.c.d", "张三", "1381234"]
)
def test_other_values_are_no_ip_addresses(value: str) -> None:
    assert not is_ip(value)
