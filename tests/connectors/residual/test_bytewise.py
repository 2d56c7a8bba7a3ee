"""The byte-level tests agree with the regular expressions they spare, value for value,
whatever the characters (ASCII, Chinese, other non-ASCII, control) and wherever the array
starts in its buffers."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from connectors.residual.bytewise import byte_set, digits_among_others, holding, runs
from connectors.residual.tokens import (
    _DIGIT_RUN,
    _GROUPED_DIGITS,
    _HAS_WINDOWS,
    _NON_ASCII,
    _SPACE_OR_DASH,
    _SPACE_OR_NON_ASCII,
    _WORD,
    _WORD_SEPARATOR,
    canonical,
    needs_windows,
    pieces,
)

ALPHABET = [*"0123456789az@._+- \t,，。张军é１", "\u4e00", "\u9fff", "\u4dff", "\U00020000"]


def corpus(count: int = 3000, seed: int = 2) -> pa.Array:
    rnd = random.Random(seed)
    cells: list[str | None] = [
        "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 12))) for _ in range(count)
    ]
    cells += [None, "", "m0000000001", "138 1234 5678", "6222-0212-3456-7890", "张军"]
    return pa.array(cells, pa.string())


def arrays() -> list[pa.Array]:
    text = canonical(corpus())
    return [text, text.slice(17, 1000), text.slice(0, 0), pa.array(["", ""], pa.string())]


def as_list(mask: np.ndarray | None, length: int) -> list[bool]:
    return [False] * length if mask is None else mask.tolist()


@pytest.mark.parametrize("text", arrays())
@pytest.mark.parametrize(
    ("chars", "pattern", "exact"),
    [
        (_SPACE_OR_DASH, "[ -]", True),
        (_WORD_SEPARATOR, r"[^0-9a-z@._+\-]", True),
        (_NON_ASCII, r"[\x{4e00}-\x{9fff}]", False),  # a sieve: never misses, may keep more
        (_SPACE_OR_NON_ASCII, _HAS_WINDOWS, False),
        (_SPACE_OR_DASH, _GROUPED_DIGITS, False),
    ],
)
def test_a_byte_test_is_the_regular_expression_or_a_sieve_that_never_misses(
    text: pa.Array, chars: object, pattern: str, exact: bool
) -> None:
    found = as_list(holding(text, chars), len(text))  # type: ignore[arg-type]
    expected = pc.match_substring_regex(text, pattern).to_pylist() if len(text) else []
    if exact:
        assert found == expected
    assert all(f for f, e in zip(found, expected, strict=True) if e)  # no value missed


@pytest.mark.parametrize("text", arrays())
def test_digits_among_others_is_its_regular_expression(text: pa.Array) -> None:
    expected = pc.match_substring_regex(text, r"[0-9][^0-9]|[^0-9][0-9]").to_pylist()
    assert digits_among_others(text).tolist() == expected


@pytest.mark.parametrize("text", arrays())
@pytest.mark.parametrize(
    ("chars", "separators"),
    [(_DIGIT_RUN, "[^0-9x]+"), (_WORD, r"[^0-9a-z@._+\-]+"), (byte_set(" "), "[^ ]+")],
)
def test_runs_are_the_regular_expressions_split_without_empty_pieces(
    text: pa.Array, chars: object, separators: str
) -> None:
    split = pc.list_flatten(pc.split_pattern_regex(text, separators)).to_pylist()
    assert runs(text, chars).to_pylist() == [piece for piece in split if piece]  # type: ignore[arg-type]


def test_a_byte_set_is_ascii_only() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        byte_set("张")
    assert holding(pa.array(["abc", "张", "a c"]), byte_set(" ")).tolist() == [False, False, True]
    assert holding(pa.array(["abc"]), byte_set(" ")) is None


def test_pieces_compact_grouped_digits_only_where_they_are_grouped() -> None:
    cells = canonical(
        pa.array(["m0000000001", "请致电138-1234-5678联系", "卡号6222 0212 3456 7890"])
    )
    found = set(pieces(cells).to_pylist())
    assert {"0000000001", "13812345678", "6222021234567890"} <= found
    assert needs_windows(cells).to_pylist() == cells.to_pylist()[1:]
