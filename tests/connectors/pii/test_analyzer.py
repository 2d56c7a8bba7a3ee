"""The offline analyzer: built without network or model, lean registry, ASCII boundaries,
context words, one entity per stretch of text, optional spaCy model."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerResult

from connectors.errors import ConnectorError
from connectors.pii.analyzer import (
    AnalyzerSettings,
    DigitRunPhoneRecognizer,
    build_analyzer,
    get_analyzer,
)
from connectors.pii.merge import merge_overlaps
from tests.connectors.pii._make import card, prc_id

OURS = {
    "PrcIdNumberRecognizer",
    "PrcIdNumber15Recognizer",
    "PrcUsccRecognizer",
    "BankCardRecognizer",
    "PrcMobileRecognizer",
    "ChineseNameRecognizer",
    "LatinNameRecognizer",
    "ChineseAddressRecognizer",
}
PRESIDIO = {
    "OfflineEmailRecognizer",
    "IpRecognizer",
    "CreditCardRecognizer",
    "IbanRecognizer",
    "DigitRunPhoneRecognizer",
}


def found(analyzer: AnalyzerEngine, text: str, threshold: float = 0.4) -> list[tuple[str, str]]:
    results = analyzer.analyze(text, language="zh", score_threshold=threshold)
    return [(r.entity_type, text[r.start : r.end]) for r in results]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every attempt to open a connection or resolve a name is recorded and refused."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_builds_and_runs_without_network(
    no_network: list[object], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    analyzer = build_analyzer()
    text = "邮箱zhang@example.com，电话13812345678，主页 www.example.com.cn"
    assert ("EMAIL_ADDRESS", "zhang@example.com") in found(analyzer, text)
    assert no_network == []
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_registry_is_explicit_and_lean(analyzer: AnalyzerEngine) -> None:
    for language in ("zh", "en"):
        names = {type(r).__name__ for r in analyzer.get_recognizers(language)}
        assert names == OURS | PRESIDIO


def test_phone_recognizer_checks_china(analyzer: AnalyzerEngine) -> None:
    (phone,) = [r for r in analyzer.get_recognizers("zh") if isinstance(r, DigitRunPhoneRecognizer)]
    assert "CN" in phone.supported_regions
    assert found(analyzer, "座机010-62345678转8") == [("PHONE_NUMBER", "010-62345678")]


def test_analyzer_is_cached() -> None:
    assert get_analyzer() is get_analyzer()
    assert get_analyzer(AnalyzerSettings()) is get_analyzer(AnalyzerSettings())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("邮箱zhang@example.com", [("EMAIL_ADDRESS", "zhang@example.com")]),
        ("IP地址192.168.1.1，", [("IP_ADDRESS", "192.168.1.1")]),
        ("信用卡4111111111111111。", [("BANK_CARD", "4111111111111111")]),
        ("账户DE89370400440532013000", [("IBAN_CODE", "DE89370400440532013000")]),
    ],
    ids=["email", "ip", "card", "iban"],
)
def test_chinese_labels_do_not_hide_or_swallow(
    analyzer: AnalyzerEngine, text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(analyzer, text) == expected


def test_card_found_twice_is_one_bank_card(analyzer: AnalyzerEngine) -> None:
    text = "卡号4111111111111111"
    unmerged = AnalyzerEngine.analyze(analyzer, text, language="zh")
    assert {r.entity_type for r in unmerged} >= {"BANK_CARD", "CREDIT_CARD"}
    assert found(analyzer, text) == [("BANK_CARD", "4111111111111111")]


def test_mobile_found_twice_is_one_prc_mobile(analyzer: AnalyzerEngine) -> None:
    text = "手机：+86 138 1234 5678。"
    unmerged = AnalyzerEngine.analyze(analyzer, text, language="zh")
    assert {r.entity_type for r in unmerged} == {"PRC_MOBILE", "PHONE_NUMBER"}
    assert found(analyzer, text) == [("PRC_MOBILE", "+86 138 1234 5678")]


def test_id_number_that_passes_luhn_stays_an_id_number(analyzer: AnalyzerEngine) -> None:
    number = next(
        n
        for seq in range(100, 999)
        if (n := prc_id(born="19800101", seq=str(seq))).isdigit() and card(n[:-1]) == n
    )
    assert found(analyzer, f"证件{number}") == [("PRC_ID_NUMBER", number)]


def test_context_words_raise_scores(analyzer: AnalyzerEngine) -> None:
    def score(text: str, entity: str) -> float:
        return max(r.score for r in analyzer.analyze(text, "zh") if r.entity_type == entity)

    assert score(f"卡号：{card()}", "BANK_CARD") > score(f"编号：{card()}", "BANK_CARD")
    # 王明 is also an ordinary word in the segmenter's dictionary: alone it is only a doubt
    assert score("，王明，", "PERSON") < 0.4 <= score("联系人：经理，王明，", "PERSON")
    assert score("phone: 13812345678", "PRC_MOBILE") > score("xx: 13812345678", "PRC_MOBILE")


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([("CREDIT_CARD", 0, 16, 1.0), ("BANK_CARD", 0, 16, 0.6)], [("BANK_CARD", 0, 16, 1.0)]),
        ([("PHONE_NUMBER", 0, 17, 0.4), ("PRC_MOBILE", 4, 17, 0.7)], [("PRC_MOBILE", 0, 17, 0.7)]),
        ([("PERSON", 0, 2, 0.3), ("LOCATION", 1, 9, 0.6)], [("LOCATION", 0, 9, 0.6)]),
        (
            [("PERSON", 0, 2, 0.6), ("PRC_MOBILE", 2, 13, 0.7)],
            [("PERSON", 0, 2, 0.6), ("PRC_MOBILE", 2, 13, 0.7)],
        ),
        (
            [("BANK_CARD", 0, 18, 0.6), ("PRC_ID_NUMBER", 0, 18, 1.0), ("PRC_USCC", 0, 18, 1.0)],
            [("PRC_ID_NUMBER", 0, 18, 1.0)],
        ),
    ],
    ids=["card", "mobile", "address-over-name", "adjacent-kept", "id-first"],
)
def test_merge_rule(
    spans: list[tuple[str, int, int, float]], expected: list[tuple[str, int, int, float]]
) -> None:
    results = [RecognizerResult(entity, start, end, score) for entity, start, end, score in spans]
    merged = merge_overlaps(results)
    assert [(r.entity_type, r.start, r.end, r.score) for r in merged] == expected


def test_a_missing_spacy_model_is_an_error_not_a_download(no_network: list[object]) -> None:
    with pytest.raises(ConnectorError, match="not installed"):
        build_analyzer(AnalyzerSettings(spacy_model="zh_core_web_sm_not_here"))
    assert no_network == []


def test_an_installed_spacy_pipeline_can_be_named(tmp_path: Path, no_network: list[object]) -> None:
    # a blank pipeline on disk stands in for a trained one: same loading path, no entities
    spacy.blank("zh").to_disk(tmp_path / "zh_model")
    analyzer = build_analyzer(AnalyzerSettings(spacy_model=str(tmp_path / "zh_model")))
    assert "SpacyRecognizer" in {type(r).__name__ for r in analyzer.get_recognizers("zh")}
    assert found(analyzer, "电话13812345678") == [("PRC_MOBILE", "13812345678")]
    assert no_network == []
