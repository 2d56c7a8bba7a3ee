"""Keyed 8-byte hashes of text values, kept as sorted numpy uint64 sets.

The residual scan must remember every raw identifier value of an import without keeping any:
each is reduced to a 64-bit hash of a random key drawn for the one import (and forgotten
with it) followed by the value. The hash is DuckDB's vectorized `hash`, not HMAC-SHA256:
at one million rows the scan hashes about nine million values, and HMAC (0.3 s a million
here, OpenSSL, two threads) made the scan cost more than the rest of the import, where
DuckDB takes about 0.05 s. Nothing is lost by it: the hashes and the key live in the memory
of the process that holds the raw batches themselves, and are never written, so a
cryptographic MAC would protect nothing the process does not already hold in the clear;
what matters is that a value always gives the same hash (no miss) and that two values
rarely share one: with 64 bits, about n^2 / 2^65 (1e-6 for nine million values), a false
alarm, never a miss, and only a false alarm if one were forced.
"""

from __future__ import annotations

import secrets
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Hashes = np.ndarray[Any, np.dtype[np.uint64]]
EMPTY: Hashes = np.empty(0, dtype=np.uint64)
# hashes gathered before a set is de-duplicated again (or as many as it holds, if more):
# small enough that most of the sorting is done in the scan's thread during the run, not in
# the comparison after the last batch; growing with the set so the merges stay linear in all
COMPACT_EVERY = 1 << 18


class Hasher:
    """Text values to keyed uint64 hashes, under a key of its own."""

    def __init__(self) -> None:
        self._key = secrets.token_hex(16)
        # one thread: the scan already runs beside the pipeline's reading and writing
        self._con = duckdb.connect(config={"threads": 1})

    def __call__(self, values: pa.Array) -> Hashes:
        """The hashes of the non-null values (as UTF-8 text)."""
        values = values.drop_null()
        if len(values) == 0:
            return EMPTY
        if not pa.types.is_string(values.type):
            values = pc.cast(values, pa.string())
        rows = pa.table({"v": values})  # noqa: F841 - read by the query below
        hashed = self._con.execute("SELECT hash(? || v) FROM rows", [self._key]).fetchnumpy()
        return np.asarray(next(iter(hashed.values())), dtype=np.uint64)


def distinct(hashes: Hashes) -> Hashes:
    """Sorted and distinct (np.unique hashes first, here several times slower)."""
    return _adjacent_once(np.sort(hashes))


def _adjacent_once(ordered: Hashes) -> Hashes:
    """A sorted array with repeats left out."""
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    found: Hashes = ordered[keep]
    return found


class HashSet:
    """A growing set of hashes: appended in pieces as they come, sorted and de-duplicated
    once `COMPACT_EVERY` (or the set's size, if larger) are pending, and when read. A
    compaction sorts the pending hashes and merges them into the sorted set (a stable sort
    of two sorted runs is a merge, in linear time), so each hash is sorted once, not once
    per batch and again per compaction."""

    def __init__(self) -> None:
        self._sorted: Hashes = EMPTY
        self._pending: list[Hashes] = []
        self._count = 0

    def add(self, hashes: Hashes) -> None:
        if not len(hashes):
            return
        self._pending.append(hashes)
        self._count += len(hashes)
        if self._count >= max(COMPACT_EVERY, len(self._sorted)):
            self._compact()

    def _compact(self) -> None:
        if not self._pending:
            return
        new = distinct(np.concatenate(self._pending))
        self._pending, self._count = [], 0
        if not len(self._sorted):
            self._sorted = new
            return
        both = np.concatenate([self._sorted, new])
        both.sort(kind="stable")
        self._sorted = _adjacent_once(both)

    def values(self) -> Hashes:
        """The distinct hashes, sorted."""
        self._compact()
        return self._sorted

    @property
    def nbytes(self) -> int:
        return int(self._sorted.nbytes) + sum(piece.nbytes for piece in self._pending)
