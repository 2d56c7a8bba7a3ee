"""Arrow helpers shared by the operators: per-unique-value mapping and string building."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Bytes2D = npt.NDArray[np.uint8]

_STRINGLIKE = (pa.types.is_string, pa.types.is_large_string)
_BINARYLIKE = (pa.types.is_binary, pa.types.is_large_binary, pa.types.is_fixed_size_binary)


def is_stringlike(dtype: pa.DataType) -> bool:
    return any(test(dtype) for test in _STRINGLIKE)


def as_text(values: pa.Array) -> pa.Array:
    """The column as strings (or bytes, left as they are): `123` and `"123"` read the same."""
    if is_stringlike(values.type) or any(test(values.type) for test in _BINARYLIKE):
        return values
    if pa.types.is_dictionary(values.type):
        return as_text(values.dictionary_decode())
    return pc.cast(values, pa.string())


def map_unique(values: pa.Array, transform: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`transform` applied once per distinct value, then spread back over the rows.

    `transform` receives the distinct non-null values and must return an array of the same
    length; nulls stay null.
    """
    if pa.types.is_null(values.type):  # all null, no type to read: the transform's own type
        return pa.nulls(len(values), transform(pa.array([], pa.string())).type)
    if pa.types.is_dictionary(values.type) and values.dictionary.null_count == 0:
        encoded = values
    else:
        plain = values.dictionary_decode() if pa.types.is_dictionary(values.type) else values
        encoded = pc.dictionary_encode(plain)
    return transform(encoded.dictionary).take(encoded.indices)


class DistinctMapper:
    """`map_unique` that stops deduplicating once a column proves (nearly) all distinct:
    there, finding the distinct values costs more than it saves, so later batches go
    straight to `transform` (still once per row, nulls kept)."""

    MOSTLY_DISTINCT = 0.9
    MIN_ROWS = 1024

    def __init__(self, transform: Callable[[pa.Array], pa.Array]) -> None:
        self.transform = transform
        self.dedupe = True

    def __call__(self, values: pa.Array) -> pa.Array:
        if pa.types.is_dictionary(values.type) or pa.types.is_null(values.type):
            return map_unique(values, self.transform)
        present = len(values) - values.null_count
        if self.dedupe or present == 0:
            encoded = pc.dictionary_encode(values)
            if (
                present >= self.MIN_ROWS
                and len(encoded.dictionary) > self.MOSTLY_DISTINCT * present
            ):
                self.dedupe = False
            return self.transform(encoded.dictionary).take(encoded.indices)
        if values.null_count == 0:
            return self.transform(values)
        valid = np.asarray(values.is_valid().to_numpy(zero_copy_only=False))
        slots = pa.array(np.cumsum(valid) - 1, mask=~valid)
        return self.transform(values.drop_null()).take(slots)


def strings_from_rows(rows: Bytes2D) -> pa.Array:
    """A string array whose i-th value is the bytes of row i (all rows the same width)."""
    count, width = rows.shape
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int64)
    data = pa.py_buffer(np.ascontiguousarray(rows))
    if count * width < 2**31:
        return pa.Array.from_buffers(
            pa.string(), count, [None, pa.py_buffer(offsets.astype(np.int32)), data]
        )
    return pa.Array.from_buffers(pa.large_string(), count, [None, pa.py_buffer(offsets), data])


_BASE32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)


# each byte's two hex digits, as the two bytes of a little-endian uint16 (the first digit
# first in memory): one lookup a byte, not a Python string of the whole batch and back
_HEX_PAIRS = np.array(
    [int.from_bytes(b"%02x" % byte, "little") for byte in range(256)], dtype="<u2"
)


def hex_rows(raw: Bytes2D) -> Bytes2D:
    """Lower-case hex of each row of bytes, as ASCII bytes (twice as wide)."""
    pairs = _HEX_PAIRS[np.ascontiguousarray(raw)]
    return pairs.view(np.uint8).reshape(raw.shape[0], raw.shape[1] * 2)


def base32_rows(raw: Bytes2D) -> Bytes2D:
    """Lower-case RFC 4648 base32 of each 16-byte row, without padding: 26 ASCII bytes."""
    if raw.shape[1] != 16:
        raise ValueError("base32 rows are 16 bytes")
    halves = np.ascontiguousarray(raw).view(">u8").astype(np.uint64)
    high, low = halves[:, 0], halves[:, 1]
    groups = np.empty((raw.shape[0], 26), dtype=np.uint64)
    for j in range(12):  # bits 0-59: the high half
        groups[:, j] = (high >> np.uint64(59 - 5 * j)) & np.uint64(31)
    groups[:, 12] = ((high & np.uint64(15)) << np.uint64(1)) | (low >> np.uint64(63))
    for j in range(13, 25):  # bits 65-124: the low half
        groups[:, j] = (low >> np.uint64(123 - 5 * j)) & np.uint64(31)
    groups[:, 25] = (low & np.uint64(7)) << np.uint64(2)  # the last 3 bits, zero-padded
    result: Bytes2D = _BASE32[groups.astype(np.intp)]
    return result


def with_prefix(prefix: bytes, body: Bytes2D) -> Bytes2D:
    """Each row of `body` preceded by the same `prefix` bytes."""
    out = np.empty((body.shape[0], len(prefix) + body.shape[1]), dtype=np.uint8)
    out[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    out[:, len(prefix) :] = body
    return out
