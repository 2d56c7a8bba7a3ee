"""Keyed 8-byte hashes of text values, kept as sorted numpy uint64 sets.

The residual scan must remember every raw identifier value of an import without keeping any:
each is reduced to a 64-bit keyed hash under a random key drawn for the one import (and
forgotten with it). The hash is SipHash-1-3 (the keyed hash CPython gives str and bytes),
computed by the lab's C helper (connectors/operators/_hmacbatch.c) over a column's Arrow
buffers without the GIL, not HMAC-SHA256: at one million rows the scan hashes about nine
million values, and HMAC (0.3 s a million here) made the scan cost more than the rest of the
import. Nothing is lost by it: the hashes and the key live in the memory of the process that
holds the raw batches themselves, and are never written, so a cryptographic MAC would protect
nothing the process does not already hold in the clear; what matters is that a value always
gives the same hash (no miss) and that two values rarely share one: with 64 bits, about
n^2 / 2^65 (1e-6 for nine million values), a false alarm, never a miss. The same pass also
makes a raw value's forms (tokens.raw_forms: trimmed, lower-cased, digits joined), which the
regular expressions of Arrow made costlier than the hashing. Where the C helper could not be
built, DuckDB's vectorized `hash` of the key followed by the value does the hashing and
Arrow the forms, with the same results but for the hash values themselves.
"""

from __future__ import annotations

import secrets
from types import ModuleType
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from connectors.residual.tokens import raw_forms, strings

_native: ModuleType | None
try:
    from connectors.operators import _hmacbatch as _native
except ImportError:  # pragma: no cover - built without a C compiler
    _native = None
if not hasattr(_native, "raw_form_hashes"):  # pragma: no cover - a helper built before them
    _native = None

Hashes = np.ndarray[Any, np.dtype[np.uint64]]
EMPTY: Hashes = np.empty(0, dtype=np.uint64)
# hashes gathered before a set is de-duplicated again (or as many as it holds, if more):
# small enough that most of the sorting is done in the scan's thread during the run, not in
# the comparison after the last batch; growing with the set so the merges stay linear in all
COMPACT_EVERY = 1 << 18


def _buffers(text: pa.Array) -> tuple[memoryview, memoryview, bool]:
    """A string array's data and its own window of offsets, and whether they are 64-bit."""
    wide = pa.types.is_large_string(text.type) or pa.types.is_large_binary(text.type)
    width = 8 if wide else 4
    _validity, offsets, data = text.buffers()
    assert offsets is not None
    start = text.offset * width
    window = memoryview(offsets)[start : start + (len(text) + 1) * width]
    return (memoryview(data) if data is not None else memoryview(b"")), window, wide


class Hasher:
    """Text values to keyed uint64 hashes, under a key of its own. `native`: the C helper
    (False: DuckDB and Arrow, as where it could not be built)."""

    def __init__(self, *, native: bool = True) -> None:
        self._key = secrets.token_bytes(16)
        self.native = native and _native is not None
        if not self.native:
            # one thread: the scan already runs beside the pipeline's reading and writing
            self._con = duckdb.connect(config={"threads": 1})

    def __call__(self, values: pa.Array) -> Hashes:
        """The hashes of the non-null values (as UTF-8 text)."""
        values = values.drop_null()
        if len(values) == 0:
            return EMPTY
        if not pa.types.is_string(values.type):
            values = pc.cast(values, pa.string())
        if self.native:
            assert _native is not None
            data, offsets, wide = _buffers(values)
            out = np.empty(len(values), dtype=np.uint64)
            _native.siphash_many(self._key, data, offsets, wide, out.data)
            return out
        rows = pa.table({"v": values})  # noqa: F841 - read by the query below
        query = "SELECT hash(? || v) FROM rows"
        hashed = self._con.execute(query, [self._key.hex()]).fetchnumpy()
        return np.asarray(next(iter(hashed.values())), dtype=np.uint64)

    def raw(self, values: pa.Array) -> Hashes:
        """The hashes of a raw column's forms: `self(raw_forms(values))`, in one pass of the
        C helper. A value that begins or ends with a character Unicode may call white space
        (beyond ASCII) also has Arrow's forms hashed: more forms, never fewer."""
        if not self.native:
            return self(raw_forms(values))
        assert _native is not None
        text = strings(values).drop_null()
        if len(text) == 0:
            return EMPTY
        data, offsets, wide = _buffers(text)
        out = np.empty(2 * len(text), dtype=np.uint64)
        unsure = np.zeros(len(text), dtype=np.uint8)
        count = _native.raw_form_hashes(self._key, data, offsets, wide, out.data, unsure.data)
        hashed: Hashes = out[:count]
        if unsure.any():
            others = self(raw_forms(text.filter(pa.array(unsure.view(np.bool_)))))
            hashed = np.concatenate([hashed, others])
        return hashed


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
