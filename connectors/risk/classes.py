"""Equivalence classes over a set of columns, as one uint64 per record.

Each column is dictionary-encoded once (`column_codes`: a null is a value of its own) and
its codes hashed with the column's position (`hashed_codes`); a set of columns is the hash
of its columns' hashes (`class_keys`). Two records share a key when they agree on every
column (barring a 64-bit collision: about 1e-9 for 200,000 records, and a collision can
only merge two classes, never split one). A record's class (`class_sizes`, `unique_mask`)
is one pass of a hash table over the keys (pandas' factorize, then a bincount of the class
numbers): memory and time ~ records, whatever the number of distinct values. The counts
alone (`class_summary`, `class_stats`: dozens of them in a search) come from the sorted
keys instead: numpy sorts 64-bit integers with SIMD, two to five times quicker here than the
hash table over 50,000 to 200,000 keys.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

U64 = npt.NDArray[np.uint64]
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: U64) -> U64:
    """splitmix64's finalizer: every input bit moves every output bit. In place when `x` is
    a temporary of the caller's (no new array per step)."""
    x ^= x >> np.uint64(30)
    x *= _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return x


def encode(values: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """The values dictionary-encoded: their distinct non-null values (in order of first
    appearance) and an index per record, null for a null."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    encoded: pa.DictionaryArray = pc.dictionary_encode(values)
    return encoded


def column_codes(
    values: pa.Array | pa.ChunkedArray, encoded: pa.DictionaryArray | None = None
) -> tuple[npt.NDArray[np.int64], int]:
    """One code per record (equal values, equal codes; null its own code) and the number of
    distinct codes. `encoded`: `encode(values)`, if the caller has it already."""
    if encoded is None:
        encoded = encode(values)
    distinct = len(encoded.dictionary)
    codes = encoded.indices.fill_null(distinct).to_numpy(zero_copy_only=False)
    codes = np.asarray(codes, dtype=np.int64)
    return codes, distinct + (1 if encoded.null_count else 0)


def hashed_codes(codes: npt.NDArray[np.int64], position: int) -> U64:
    """The codes of the column at `position`, hashed so columns cannot cancel out."""
    with np.errstate(over="ignore"):
        salt = _mix(np.array([position + 1], dtype=np.uint64) * _GOLDEN)
        return _mix(codes.astype(np.uint64) ^ salt)  # astype: a new array, mixed in place


def class_keys(columns: Sequence[U64], rows: int) -> U64:
    """One key per record for the classes over `columns` (hashed codes); all zero for none."""
    keys = np.zeros(rows, dtype=np.uint64)
    for column in columns:
        keys = extend_keys(keys, column)
    return keys


def extend_keys(keys: U64, column: U64) -> U64:
    """The keys of a set of columns with one more column (hashed codes) after them:
    `class_keys([*columns, column])` from `class_keys(columns)`. `keys` is left as it is."""
    with np.errstate(over="ignore"):
        return _mix(keys * _GOLDEN + column)


def class_sizes(keys: U64) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Each record's class number (0, 1, ... in order of first appearance) and the size of
    each class."""
    numbers, distinct = pd.factorize(keys)
    numbers = np.asarray(numbers, dtype=np.intp)
    return numbers, np.bincount(numbers, minlength=len(distinct))


def unique_mask(keys: U64) -> npt.NDArray[np.bool_]:
    """True for each record alone in its class (a sample unique)."""
    if len(keys) == 0:
        return np.zeros(0, dtype=bool)
    numbers, sizes = class_sizes(keys)
    alone: npt.NDArray[np.bool_] = (sizes == 1)[numbers]
    return alone


def class_stats(keys: U64) -> tuple[int, int]:
    """(records alone in their class, number of classes), from one sort and no per-record
    mask."""
    unique, classes, _ = class_summary(keys)
    return unique, classes


def class_summary(keys: U64) -> tuple[int, int, int]:
    """(records alone in their class, number of classes, size of the smallest class), from
    one sort. The prosecutor risks follow: the highest is 1 / smallest, and the average over
    records of 1 / class size is classes / records (each class adds size * 1 / size)."""
    n = len(keys)
    if n < 2:
        return n, n, n
    ordered = np.sort(keys)
    ends = np.flatnonzero(ordered[1:] != ordered[:-1])  # the last record of each class but one
    sizes = np.diff(ends, prepend=-1, append=n - 1)
    return int(np.count_nonzero(sizes == 1)), len(sizes), int(sizes.min())
