"""PRC mobile number (手机号): 11 digits starting 13-19, optionally +86 / 0086 in front.

Accepts "13812345678", "138-1234-5678", "138 1234 5678", "+86 138 1234 5678",
"0086-13812345678"; rejects 12x prefixes and longer digit runs.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

from connectors.pii.entities import PRC_MOBILE
from connectors.pii.recognizers._shapes import NOT_BEFORE_ALNUM, digits_only

ENTITY = PRC_MOBILE
REGEX = r"(?<![0-9A-Za-z+])(?:(?:\+|00)86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}" + NOT_BEFORE_ALNUM
PATTERN = re.compile(REGEX)
_CONTEXT = ["手机", "电话", "联系方式", "联系", "mobile", "phone", "tel", "cell"]


def is_valid(text: str) -> bool:
    """True for an 11-digit mobile number 1[3-9]x, with or without the +86 / 0086 prefix."""
    digits = digits_only(text.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return (
        len(digits) == 11
        and digits.isascii()
        and digits.isdigit()
        and digits[0] == "1"
        and digits[1] in "3456789"
    )


def matches(value: str) -> bool:
    """True if the whole value is a PRC mobile number."""
    return PATTERN.fullmatch(value) is not None and is_valid(value)


class PrcMobileRecognizer(PatternRecognizer):
    """Finds PRC mobile numbers by shape (there is no check digit)."""

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity=ENTITY,
            name="PrcMobileRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("PRC mobile", REGEX, 0.7)],
            context=_CONTEXT,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if is_valid(pattern_text) else False
