"""Bank card number (银行卡号): 16-19 digits with a valid Luhn check digit.

Written without separators or in groups of four ("6222 0212 3456 7890 123"). Overlaps
Presidio's CREDIT_CARD; the analyzer merges the two into one BANK_CARD (see entities.py).
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

from connectors.checksums import luhn_ok
from connectors.pii.entities import BANK_CARD
from connectors.pii.recognizers._shapes import NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM, digits_only

ENTITY = BANK_CARD
REGEX = (
    NOT_AFTER_ALNUM
    + r"(?:[0-9]{16,19}|[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -]?[0-9]{1,3})?)"
    + NOT_BEFORE_ALNUM
)
PATTERN = re.compile(REGEX)
_CONTEXT = [
    "银行卡",
    "卡号",
    "账号",
    "帐号",
    "账户",
    "储蓄卡",
    "借记卡",
    "信用卡",
    "card",
    "account",
]


def is_valid(text: str) -> bool:
    """True for 16-19 digits (separators allowed) passing the Luhn check."""
    digits = digits_only(text.strip())
    return 16 <= len(digits) <= 19 and luhn_ok(digits)


def matches(value: str) -> bool:
    """True if the whole value is a Luhn-valid bank card number."""
    return PATTERN.fullmatch(value) is not None and is_valid(value)


class BankCardRecognizer(PatternRecognizer):
    """Finds bank card numbers; a failed Luhn check drops the find, a pass keeps its score."""

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity=ENTITY,
            name="BankCardRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("bank card", REGEX, 0.6)],
            context=_CONTEXT,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        # None keeps the pattern score: one random 16-digit number in ten passes Luhn, so a
        # pass alone is not certainty; context words ("卡号") raise it.
        return None if is_valid(pattern_text) else False
