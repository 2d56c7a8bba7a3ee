"""First-generation PRC resident ID number (15 digits, issued before 1999).

6-digit region code, YYMMDD birth date (the century is always 19), 3-digit sequence, and no
check character. Without a checksum, every 15-digit run would otherwise be a candidate -
order numbers, timestamps, prefixed phone numbers - so a number counts only if its first two
digits name a province-level region and its date is a real day. That is what rules out
`200001011230455` (no region 20) and `008613812345678` (no region 00).

It reports the same entity as the 18-digit number: the two are one document in two
generations (the 18-digit form is the 15-digit one with "19" put into the year and a check
character added), so a column of either kind must get the same class and operator, and the
hints, the gate and the reports already speak of PRC_ID_NUMBER.
"""

from __future__ import annotations

import datetime as dt
import re

from presidio_analyzer import Pattern, PatternRecognizer

from connectors.pii.entities import PRC_ID_NUMBER
from connectors.pii.recognizers._shapes import NOT_AFTER_ALNUM, NOT_BEFORE_ALNUM

ENTITY = PRC_ID_NUMBER
REGEX = NOT_AFTER_ALNUM + r"[1-8][0-9]{14}" + NOT_BEFORE_ALNUM
PATTERN = re.compile(REGEX)
SCORE = 0.6
"""Below a checksum-validated number's 1.0: region and date rule out most look-alikes, not all."""

PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
)
"""Province-level codes of GB/T 2260, the first two digits of every resident ID number."""

_CONTEXT = ["身份证", "证件", "公民身份", "id card", "id number", "idno", "identity", "resident"]


def is_valid(text: str) -> bool:
    """True for 15 ASCII digits with a province-level region and a real 19YYMMDD birth day."""
    number = text.strip()
    if len(number) != 15 or not number.isascii() or not number.isdigit():
        return False
    if int(number[:2]) not in PROVINCES:
        return False
    try:
        dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return False
    return True


def matches(value: str) -> bool:
    """True if the whole value is a valid first-generation ID number."""
    return PATTERN.fullmatch(value) is not None and is_valid(value)


class PrcIdNumber15Recognizer(PatternRecognizer):
    """Finds first-generation PRC ID numbers; the region and the date decide."""

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity=ENTITY,
            name="PrcIdNumber15Recognizer",
            supported_language=supported_language,
            patterns=[Pattern("PRC ID number, 15 digits", REGEX, SCORE)],
            context=_CONTEXT,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        # None keeps the pattern's score: there is no check character to vouch for more
        return None if is_valid(pattern_text) else False
