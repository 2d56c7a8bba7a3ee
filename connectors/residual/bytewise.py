"""Per-value tests of a string array read from its bytes at once (numpy over Arrow's data
buffer), not value by value: which values hold a byte of a given set, or both digits and
other characters; and the runs of a set's bytes, cut out as strings of their own. They spare
the residual scan a regular expression over every cell where a cheap look at the bytes
already says no, and the splitting of cells into pieces by one.

UTF-8 makes this exact for ASCII: a byte below 0x80 is always that ASCII character, never
part of a longer one. A byte of 0x80 or more is part of a non-ASCII character: such a test
says "maybe", and the caller's regular expression decides over the few values it keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

Mask = npt.NDArray[np.bool_]
Bytes = npt.NDArray[np.uint8]
_SPARSE = 16  # hits rarer than one byte in this many: found by position, not by counting


@dataclass(frozen=True)
class ByteSet:
    """A set of bytes as inclusive ranges (compared in bulk: faster than a lookup table),
    or every byte but those (`negated`)."""

    ranges: tuple[tuple[int, int], ...]
    negated: bool = False

    def __invert__(self) -> ByteSet:
        return ByteSet(self.ranges, not self.negated)

    def test(self, data: Bytes) -> Mask:
        found = np.zeros(len(data), dtype=np.bool_)
        for low, high in self.ranges:
            # one comparison a range: below `low` wraps around to large values
            found |= (data - np.uint8(low)) <= np.uint8(high - low)
        return ~found if self.negated else found


def byte_set(chars: str = "", *, non_ascii: bool = False) -> ByteSet:
    """The ASCII `chars` (and every byte of a non-ASCII character)."""
    codes = sorted({ord(char) for char in chars})
    if codes and codes[-1] >= 0x80:
        raise ValueError("ASCII characters only: a non-ASCII one spans several bytes")
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    if non_ascii:
        ranges.append((0x80, 0xFF))
    return ByteSet(tuple(ranges))


DIGITS = byte_set("0123456789")


def _layout(text: pa.Array) -> tuple[npt.NDArray[Any], Bytes]:
    """The value boundaries (from 0) and the bytes they index, of a string array."""
    if not pa.types.is_string(text.type):
        raise TypeError(f"a string array is needed, not {text.type}")
    buffers = text.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[text.offset : text.offset + len(text) + 1]
    if buffers[2] is None or offsets[-1] == offsets[0]:
        return offsets - offsets[0], np.empty(0, dtype=np.uint8)
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return offsets - offsets[0], data


def _per_value(hits: Mask, bounds: npt.NDArray[Any]) -> npt.NDArray[np.int32]:
    """How many of each value's bytes are hits (offsets are int32: so are the counts)."""
    counts = np.zeros(len(hits) + 1, dtype=np.int32)
    np.cumsum(hits, out=counts[1:])
    found: npt.NDArray[np.int32] = counts[bounds[1:]] - counts[bounds[:-1]]
    return found


def holding(text: pa.Array, chars: ByteSet) -> Mask | None:
    """Per value, whether one of its bytes is in `chars`; None when no value's is (the
    common case, told by one pass over the bytes)."""
    if len(text) == 0:
        return None
    bounds, data = _layout(text)
    hits = chars.test(data)
    count = int(np.count_nonzero(hits))
    if not count:
        return None
    if count * _SPARSE > len(hits):
        dense: Mask = _per_value(hits, bounds) > 0
        return dense
    found = np.zeros(len(text), dtype=np.bool_)
    found[np.searchsorted(bounds, np.flatnonzero(hits), side="right") - 1] = True
    return found


def digits_among_others(text: pa.Array) -> Mask:
    """Per value, whether it holds a digit and another character (so a digit next to one)."""
    if len(text) == 0:
        return np.zeros(0, dtype=np.bool_)
    bounds, data = _layout(text)
    digits = _per_value(DIGITS.test(data), bounds)
    found: Mask = (digits > 0) & (digits < np.diff(bounds))
    return found


def runs(text: pa.Array, chars: ByteSet) -> pa.Array:
    """Each value's runs of bytes in `chars`, as strings of their own, value after value:
    what splitting at every other byte gives, without its empty strings. With ASCII `chars`
    a run is a run of those characters, never part of one (the bytes of a non-ASCII
    character all lie beyond ASCII)."""
    empty = pa.array([], pa.string())
    if len(text) == 0:
        return empty
    bounds, data = _layout(text)
    inside = chars.test(data)
    if not inside.any():
        return empty
    filled = bounds[1:] > bounds[:-1]  # values with a byte: their first and last ones
    firsts, lasts = bounds[:-1][filled], bounds[1:][filled] - 1
    starts = inside.copy()
    starts[1:] &= ~inside[:-1]
    starts[firsts] = inside[firsts]  # a run never goes on into the next value
    stops = inside.copy()
    stops[:-1] &= ~inside[1:]
    stops[lasts] = inside[lasts]
    lengths = np.flatnonzero(stops) + 1 - np.flatnonzero(starts)
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    kept = np.ascontiguousarray(data[inside])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(kept)]
    return pa.Array.from_buffers(pa.string(), len(lengths), buffers)
