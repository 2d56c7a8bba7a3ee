"""Our recognizers, in one list: add a recognizer here and the analyzer, the column
classifier and the fast text scan all pick it up.

Each entry names its entity, how to build the Presidio recognizer for a language, a check
that a whole value is the entity (the classifier's fast path, plain `re` + validators; None
for recognizers of text only), a cheap finder for spans in free text (plain `re`: the
scrubber's second pass, job-log redaction) and, where one exists, a thorough finder that
costs more (the Chinese names' word segmentation, about a millisecond per sentence: the
free-text classifier, and the analyzer through the recognizer).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer

from connectors.pii.recognizers import (
    bank_card,
    email,
    en_name,
    prc_id_number,
    prc_id_number_15,
    prc_mobile,
    prc_uscc,
    zh_address,
    zh_name,
    zh_name_segmented,
)
from connectors.pii.recognizers.bank_card import BankCardRecognizer
from connectors.pii.recognizers.email import OfflineEmailRecognizer
from connectors.pii.recognizers.en_name import LatinNameRecognizer
from connectors.pii.recognizers.prc_id_number import PrcIdNumberRecognizer
from connectors.pii.recognizers.prc_id_number_15 import PrcIdNumber15Recognizer
from connectors.pii.recognizers.prc_mobile import PrcMobileRecognizer
from connectors.pii.recognizers.prc_uscc import PrcUsccRecognizer
from connectors.pii.recognizers.zh_address import ChineseAddressRecognizer
from connectors.pii.recognizers.zh_name_segmented import ChineseNameRecognizer

Span = tuple[int, int, float]


@dataclass(frozen=True)
class Entry:
    """One recognizer of ours and its fast-path functions."""

    entity: str
    build: Callable[[str], EntityRecognizer]
    matches: Callable[[str], bool] | None
    find: Callable[[str], list[Span]]
    find_thorough: Callable[[str], list[Span]] | None = None


def _finder(
    pattern: re.Pattern[str], is_valid: Callable[[str], bool], score: float
) -> Callable[[str], list[Span]]:
    def find(text: str) -> list[Span]:
        return [(m.start(), m.end(), score) for m in pattern.finditer(text) if is_valid(m.group())]

    return find


def _address_matches(value: str) -> bool:
    return zh_address.kind_of(value) is not None


def _find_addresses(text: str) -> list[Span]:
    return [(start, end, score) for start, end, score, _ in zh_address.find(text)]


def _find_names(text: str) -> list[Span]:
    return [(start, end, score) for start, end, score, _ in zh_name.find(text)]


def _find_names_segmented(text: str) -> list[Span]:
    return [(start, end, score) for start, end, score, _ in zh_name_segmented.find(text)]


def _find_latin_names(text: str) -> list[Span]:
    return [(start, end, score) for start, end, score, _ in en_name.find(text)]


RECOGNIZERS: tuple[Entry, ...] = (
    Entry(
        prc_id_number.ENTITY,
        PrcIdNumberRecognizer,
        prc_id_number.matches,
        _finder(prc_id_number.PATTERN, prc_id_number.is_valid, 1.0),
    ),
    Entry(
        prc_id_number_15.ENTITY,
        PrcIdNumber15Recognizer,
        prc_id_number_15.matches,
        _finder(prc_id_number_15.PATTERN, prc_id_number_15.is_valid, prc_id_number_15.SCORE),
    ),
    Entry(
        prc_uscc.ENTITY,
        PrcUsccRecognizer,
        prc_uscc.matches,
        _finder(prc_uscc.PATTERN, prc_uscc.is_valid, 1.0),
    ),
    Entry(
        bank_card.ENTITY,
        BankCardRecognizer,
        bank_card.matches,
        _finder(bank_card.PATTERN, bank_card.is_valid, 0.6),
    ),
    Entry(
        prc_mobile.ENTITY,
        PrcMobileRecognizer,
        prc_mobile.matches,
        _finder(prc_mobile.PATTERN, prc_mobile.is_valid, 0.7),
    ),
    Entry(
        email.ENTITY,
        OfflineEmailRecognizer,
        email.matches,
        _finder(email.PATTERN, email.is_valid, 1.0),
    ),
    Entry(zh_address.ENTITY, ChineseAddressRecognizer, _address_matches, _find_addresses),
    Entry(
        zh_name.ENTITY, ChineseNameRecognizer, zh_name.matches, _find_names, _find_names_segmented
    ),
    # Whole-value English names are judged by values.is_person with a column-name hint only.
    Entry(en_name.ENTITY, LatinNameRecognizer, None, _find_latin_names),
)


def build_recognizers(language: str) -> list[EntityRecognizer]:
    """Fresh instances of all our recognizers for one language."""
    return [entry.build(language) for entry in RECOGNIZERS]


def entry_for(entity: str) -> Entry | None:
    """The first registry entry of an entity, if it is one of ours (an entity may have
    several: the 18- and the 15-digit ID numbers are both PRC_ID_NUMBER)."""
    return next((entry for entry in RECOGNIZERS if entry.entity == entity), None)


__all__ = [
    "RECOGNIZERS",
    "BankCardRecognizer",
    "ChineseAddressRecognizer",
    "ChineseNameRecognizer",
    "Entry",
    "LatinNameRecognizer",
    "OfflineEmailRecognizer",
    "PrcIdNumber15Recognizer",
    "PrcIdNumberRecognizer",
    "PrcMobileRecognizer",
    "PrcUsccRecognizer",
    "Span",
    "build_recognizers",
    "entry_for",
]
