"""Valid and deliberately broken identifiers for the PII tests."""

from __future__ import annotations

from connectors.checksums import luhn_digit, prc_id_check_digit, uscc_check_char


def prc_id(region: str = "110105", born: str = "19491231", seq: str = "002") -> str:
    """A PRC ID number with the right check character (the date is not checked here)."""
    first17 = region + born + seq
    return first17 + prc_id_check_digit(first17)


def wrong_last(value: str, alphabet: str = "0123456789") -> str:
    """The value with a different last character, so its check fails."""
    last = value[-1].upper()
    return value[:-1] + next(c for c in alphabet if c != last)


def card(payload: str = "622202123456789012") -> str:
    """A Luhn-valid card number: payload plus its check digit."""
    return payload + luhn_digit(payload)


def uscc(first17: str = "91110105MA01ABCD1") -> str:
    """A unified social credit code with the right check character."""
    return first17 + uscc_check_char(first17)


def grouped(number: str, sep: str = " ") -> str:
    """Digits in groups of four: "6222 0212 3456 7890 123"."""
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))
