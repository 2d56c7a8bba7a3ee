"""Unified social credit code (统一社会信用代码, GB 32100-2015), 18 characters.

Registration authority (1), organization category (1), region code (6 digits), organization
code (9), check character (1); the alphabet is 0-9 and A-Y without I, O, Z, S, V. The check
character is (31 - sum(value * 3^i mod 31) mod 31) mod 31 over the first 17 characters.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

from connectors.checksums import is_valid_uscc
from connectors.pii.entities import PRC_USCC
from connectors.pii.recognizers._shapes import NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM

ENTITY = PRC_USCC
_CHAR = "[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]"
REGEX = NOT_AFTER_ALNUM + _CHAR + "{2}[0-9]{6}" + _CHAR + "{10}" + NOT_BEFORE_ALNUM
PATTERN = re.compile(REGEX)

_CONTEXT = ["信用代码", "社会信用", "统一代码", "营业执照", "税号", "uscc", "credit code"]


def is_valid(text: str) -> bool:
    """True for 18 characters of the USCC alphabet, a numeric region code (characters 3-8)
    and the right check character."""
    code = text.strip()
    return is_valid_uscc(code) and code[2:8].isdigit()


def matches(value: str) -> bool:
    """True if the whole value is a valid unified social credit code."""
    return PATTERN.fullmatch(value) is not None and is_valid(value)


class PrcUsccRecognizer(PatternRecognizer):
    """Finds unified social credit codes; the check character decides."""

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity=ENTITY,
            name="PrcUsccRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("PRC USCC", REGEX, 0.3)],
            context=_CONTEXT,
        )

    def validate_result(self, pattern_text: str) -> bool:
        return is_valid(pattern_text)
