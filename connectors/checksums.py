"""Check characters of Chinese identifiers and bank cards, and validators built on them.

- PRC resident identity number (GB 11643-1999): 17 digits (6 region, 8 birth date
  YYYYMMDD, 3 sequence) and a check character from ISO 7064 MOD 11-2 ("0"-"9" or "X").
- Bank card (ISO/IEC 7812): digits ending with a Luhn check digit.
- Unified social credit code (GB 32100-2015): 17 characters from a 31-character set and a
  check character, weights 3**i mod 31.

The validators accept a lower-case "x" in an identity number and lower-case letters in a
credit code (both appear in real data), and return False for anything that is not a string.
"""

from __future__ import annotations

import datetime as dt
import re

PRC_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PRC_ID_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

_PRC_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
_USCC_RE = re.compile(f"[{USCC_CHARSET}]{{18}}")
_DIGITS_RE = re.compile(r"[0-9]+")
_EARLIEST_BIRTH = dt.date(1850, 1, 1)


def prc_id_check_digit(first17: str) -> str:
    """The check character ("0"-"9" or "X") of a resident ID number's first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("a resident ID number starts with exactly 17 digits")
    total = sum(int(c) * w for c, w in zip(first17, PRC_ID_WEIGHTS, strict=True))
    return PRC_ID_CHECK_CHARS[total % 11]


def is_valid_prc_id(value: object, *, today: dt.date | None = None) -> bool:
    """18 characters, a first digit 1-9, a real birth date between 1850 and today, and the
    right check character."""
    if not isinstance(value, str):
        return False
    value = value.upper()
    if not _PRC_ID_RE.fullmatch(value) or value[0] == "0":
        return False
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not _EARLIEST_BIRTH <= born <= (today or dt.date.today()):
        return False
    return prc_id_check_digit(value[:17]) == value[17]


def luhn_digit(payload: str) -> str:
    """The Luhn check digit to append to `payload` (digits only)."""
    if not payload or not _DIGITS_RE.fullmatch(payload):
        raise ValueError("a Luhn payload is one or more digits")
    total = 0
    for i, c in enumerate(reversed(payload)):
        d = int(c)
        if i % 2 == 0:  # the digit next to the check digit is doubled
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number: object) -> bool:
    """True for a string of at least two digits whose last digit is its Luhn check digit."""
    if not isinstance(number, str) or len(number) < 2 or not _DIGITS_RE.fullmatch(number):
        return False
    return luhn_digit(number[:-1]) == number[-1]


def uscc_check_char(first17: str) -> str:
    """The check character of a unified social credit code's first 17 characters."""
    first17 = first17.upper()
    if len(first17) != 17 or any(c not in USCC_CHARSET for c in first17):
        raise ValueError(f"a credit code starts with 17 characters from {USCC_CHARSET}")
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(value: object) -> bool:
    """18 characters from the credit-code set with the right check character."""
    if not isinstance(value, str):
        return False
    value = value.upper()
    if not _USCC_RE.fullmatch(value):
        return False
    return uscc_check_char(value[:17]) == value[17]
