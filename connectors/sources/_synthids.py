"""Vectorized generators of valid Chinese identifiers for the synthetic source: resident ID
numbers, mobile numbers, bank cards, unified social credit codes. Each builds a matrix of
ASCII codes with numpy and hands it to Arrow without a per-value Python loop; the check
characters follow `connectors.checksums` (which the tests use to verify them)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from connectors.checksums import (
    PRC_ID_CHECK_CHARS,
    PRC_ID_WEIGHTS,
    USCC_CHARSET,
    USCC_WEIGHTS,
)

U8 = npt.NDArray[np.uint8]
_ZERO = ord("0")

# Valid PRC mobile prefixes (13x-19x, as assigned to carriers).
MOBILE_PREFIXES = (
    *range(130, 140),
    145,
    147,
    149,
    *range(150, 154),
    *range(155, 160),
    162,
    165,
    166,
    167,
    *range(170, 174),
    *range(175, 179),
    *range(180, 190),
    *range(190, 194),
    *range(195, 200),
)
# Issuer identification numbers of Chinese bank cards (UnionPay ranges).
CARD_BINS = ("622202", "621226", "622848", "621700", "622700", "621661", "622588", "621483",
             "622262", "622908", "623058", "621799", "625911", "628288")  # fmt: skip
_LUHN_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def digits_of(values: npt.NDArray[np.int64], width: int) -> U8:
    """(n, width) matrix of the decimal digits of `values`, zero-padded."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((values[:, None] // powers) % 10).astype(np.uint8)


def code_table(codes: list[str] | tuple[str, ...]) -> U8:
    """(k, len) matrix of the digits of equal-length digit strings."""
    return np.array([[int(c) for c in code] for code in codes], dtype=np.uint8)


def ascii_strings(chars: U8) -> pa.Array:
    """A string array from an (n, width) matrix of ASCII codes, without copying per value."""
    n, width = chars.shape
    data = pa.py_buffer(np.ascontiguousarray(chars).tobytes())
    offsets = pa.py_buffer(np.arange(0, (n + 1) * width, width, dtype=np.int32).tobytes())
    return pa.Array.from_buffers(pa.string(), n, [None, offsets, data])


def _as_ascii(digits: U8) -> U8:
    return (digits + _ZERO).astype(np.uint8)


def _literal(text: str, n: int) -> U8:
    return np.tile(np.frombuffer(text.encode("ascii"), dtype=np.uint8), (n, 1))


def prc_ids(
    region_digits: U8, birth_days: npt.NDArray[np.int64], rng: np.random.Generator
) -> pa.Array:
    """Resident ID numbers: region (n, 6 digits), birth date (days since 1970-01-01), a random
    sequence number and the ISO 7064 MOD 11-2 check character."""
    n = len(birth_days)
    dates = np.datetime64("1970-01-01", "D") + birth_days.astype("timedelta64[D]")
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month_start = dates.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (dates - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    ymd = year * 10_000 + month * 100 + day
    sequence = rng.integers(0, 1000, size=n, dtype=np.int64)
    first17 = np.hstack([region_digits, digits_of(ymd, 8), digits_of(sequence, 3)])
    total = (first17.astype(np.int64) * np.array(PRC_ID_WEIGHTS, dtype=np.int64)).sum(axis=1)
    check = np.frombuffer(PRC_ID_CHECK_CHARS.encode("ascii"), dtype=np.uint8)[total % 11]
    return ascii_strings(np.hstack([_as_ascii(first17), check[:, None]]))


def mobile_numbers(n: int, rng: np.random.Generator, formatted_share: float = 0.3) -> pa.Array:
    """Mobile numbers, mostly as 11 digits, the rest written "+86 138-1234-5678",
    "138-1234-5678" or "+8613812345678"."""
    prefixes = np.array(MOBILE_PREFIXES, dtype=np.int64)[rng.integers(0, len(MOBILE_PREFIXES), n)]
    digits = _as_ascii(np.hstack([digits_of(prefixes, 3), digits_of(rng.integers(0, 10**8, n), 8)]))
    head, mid, tail = digits[:, :3], digits[:, 3:7], digits[:, 7:]
    dash = _literal("-", n)
    plain = ascii_strings(digits)
    spaced = ascii_strings(np.hstack([_literal("+86 ", n), head, dash, mid, dash, tail]))
    dashed = ascii_strings(np.hstack([head, dash, mid, dash, tail]))
    prefixed = ascii_strings(np.hstack([_literal("+86", n), digits]))
    draw = rng.random(n)
    style = np.where(
        draw >= formatted_share,
        0,
        np.where(draw < formatted_share / 2, 1, np.where(draw < formatted_share * 0.8, 2, 3)),
    ).astype(np.int8)
    return pc.choose(pa.array(style), plain, spaced, dashed, prefixed)


def _luhn_cards(bins: U8, length: int, rng: np.random.Generator) -> pa.Array:
    n = len(bins)
    payload = np.hstack([bins, rng.integers(0, 10, size=(n, length - 7), dtype=np.uint8)])
    doubled = np.zeros(length - 1, dtype=bool)
    doubled[::-1][::2] = True  # every other digit, starting next to the check digit
    values = payload.copy()
    values[:, doubled] = _LUHN_DOUBLED[values[:, doubled]]
    check = ((10 - values.sum(axis=1, dtype=np.int32) % 10) % 10).astype(np.uint8)
    return ascii_strings(_as_ascii(np.hstack([payload, check[:, None]])))


def bank_cards(n: int, rng: np.random.Generator, share_19: float = 0.7) -> pa.Array:
    """Bank card numbers of 19 (debit) or 16 (credit) digits with a valid Luhn digit."""
    bins = code_table(CARD_BINS)[rng.integers(0, len(CARD_BINS), n)]
    long_cards = _luhn_cards(bins, 19, rng)
    short_cards = _luhn_cards(bins, 16, rng)
    return pc.if_else(pa.array(rng.random(n) < share_19), long_cards, short_cards)


def usccs(region_digits: U8, rng: np.random.Generator, individual_share: float = 0.6) -> pa.Array:
    """Unified social credit codes: "92" (individual business) or "91" (enterprise), the
    region, an organization code with its GB 11714 check, and the GB 32100 check."""
    n = len(region_digits)
    category = np.where(rng.random(n) < individual_share, 2, 1).astype(np.uint8)
    org = rng.integers(0, 10, size=(n, 8), dtype=np.uint8)
    org_check = 11 - (org.astype(np.int64) * _ORG_WEIGHTS).sum(axis=1) % 11
    # value in the credit-code alphabet: 10 -> "X" (index 28 there), 11 -> "0"
    org_check_value = np.where(org_check == 10, USCC_CHARSET.index("X"), org_check % 11 % 10)
    values = np.hstack(
        [
            np.full((n, 1), 9, dtype=np.int64),
            category[:, None].astype(np.int64),
            region_digits.astype(np.int64),
            org.astype(np.int64),
            org_check_value[:, None],
        ]
    )
    total = (values * np.array(USCC_WEIGHTS, dtype=np.int64)).sum(axis=1)
    alphabet = np.frombuffer(USCC_CHARSET.encode("ascii"), dtype=np.uint8)
    chars = np.hstack([alphabet[values], alphabet[(31 - total % 31) % 31][:, None]])
    return ascii_strings(chars)
