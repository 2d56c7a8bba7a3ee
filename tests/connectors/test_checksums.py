"""The check characters and validators of Chinese identifiers and bank cards."""

from __future__ import annotations

import pytest

from connectors.checksums import (
    is_valid_prc_id,
    is_valid_uscc,
    luhn_digit,
    luhn_ok,
    prc_id_check_digit,
    uscc_check_char,
)


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("11010519491231002", "X"),  # the example of GB 11643-1999
        ("44052418800101001", "4"),
        ("11010120000101001", "0"),
        ("32010219900307123", "9"),
    ],
)
def test_prc_id_check_digit(first17: str, check: str) -> None:
    assert prc_id_check_digit(first17) == check


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),  # lower-case x is common in real data
        ("440524188001010014", True),
        ("110105194912310021", False),  # wrong check digit
        ("11010519491331002X", False),  # month 13
        ("11010519490230002X", False),  # 30 February
        ("01010519491231002X", False),  # region cannot start with 0
        ("11010529491231002X", False),  # born in the future
        ("11010519491231002", False),  # 17 characters
        ("11010519491231002XX", False),
        ("1101051949123100 X", False),
        ("", False),
        (None, False),
        (110105194912310020, False),  # not a string
    ],
)
def test_is_valid_prc_id(value: object, valid: bool) -> None:
    assert is_valid_prc_id(value) is valid


@pytest.mark.parametrize(
    ("payload", "check"),
    [("7992739871", "3"), ("411111111111111", "1"), ("622202000000000000", "0"), ("0", "0")],
)
def test_luhn_digit(payload: str, check: str) -> None:
    assert luhn_digit(payload) == check


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("79927398713", True),
        ("4111111111111111", True),
        ("6222020000000000000", True),
        ("79927398710", False),
        ("4111111111111112", False),
        ("4111 1111 1111 1111", False),  # digits only
        ("7", False),
        ("", False),
        (None, False),
        ("٤١١١١١١١١١١١١١١١", False),  # non-ASCII digits
    ],
)
def test_luhn_ok(number: object, valid: bool) -> None:
    assert luhn_ok(number) is valid


@pytest.mark.parametrize(
    ("first17", "check"),
    [("91350100M000100Y4", "3"), ("91110108551385082", "Q"), ("92440300MA5F0YQ01", None)],
)
def test_uscc_check_char(first17: str, check: str | None) -> None:
    computed = uscc_check_char(first17)
    assert computed in "0123456789ABCDEFGHJKLMNPQRTUWXY"
    if check is not None:
        assert computed == check


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("91350100M000100Y43", True),
        ("91110108551385082Q", True),
        ("91350100m000100y43", True),  # case-insensitive
        ("91350100M000100Y44", False),
        ("91350100M000100I43", False),  # I is not in the alphabet
        ("91350100M000100Y4", False),
        ("", False),
        (None, False),
    ],
)
def test_is_valid_uscc(value: object, valid: bool) -> None:
    assert is_valid_uscc(value) is valid


@pytest.mark.parametrize(
    ("function", "bad"),
    [
        (prc_id_check_digit, "1101051949123100"),
        (prc_id_check_digit, "1101051949123100A"),
        (luhn_digit, ""),
        (luhn_digit, "12a"),
        (uscc_check_char, "91350100M000100Y"),
        (uscc_check_char, "91350100M000100O4"),
    ],
)
def test_check_functions_refuse_malformed_input(function: object, bad: str) -> None:
    assert callable(function)
    with pytest.raises(ValueError):
        function(bad)
