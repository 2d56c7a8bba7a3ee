"""PRC resident identity card number (居民身份证号码, GB 11643-1999), 18 characters.

6-digit region code, 8-digit birth date, 3-digit sequence, ISO 7064 MOD 11-2 check character
(0-9 or X). Valid only if the birth date exists, is not in the future and is not before 1900,
and the check character matches.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

from connectors.checksums import is_valid_prc_id
from connectors.pii.entities import PRC_ID_NUMBER
from connectors.pii.recognizers._shapes import NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM

ENTITY = PRC_ID_NUMBER
REGEX = NOT_AFTER_ALNUM + r"[1-9][0-9]{5}[0-9]{8}[0-9]{3}[0-9Xx]" + NOT_BEFORE_ALNUM
PATTERN = re.compile(REGEX)

_CONTEXT = ["身份证", "证件", "公民身份", "id card", "id number", "idno", "identity", "resident"]


EARLIEST_BIRTH_YEAR = 1900


def is_valid(text: str) -> bool:
    """True for an 18-character PRC ID number with a real birth date (1900 to today) and the
    right check character."""
    number = text.strip()
    return is_valid_prc_id(number) and int(number[6:10]) >= EARLIEST_BIRTH_YEAR


def matches(value: str) -> bool:
    """True if the whole value is a valid PRC ID number."""
    return PATTERN.fullmatch(value) is not None and is_valid(value)


class PrcIdNumberRecognizer(PatternRecognizer):
    """Finds PRC resident ID numbers; the date and check character decide."""

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity=ENTITY,
            name="PrcIdNumberRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("PRC ID number", REGEX, 0.3)],
            context=_CONTEXT,
        )

    def validate_result(self, pattern_text: str) -> bool:
        return is_valid(pattern_text)
