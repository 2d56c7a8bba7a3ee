"""A uniform sample of a stream of record batches, at most `capacity` rows (reservoir
sampling, algorithm R, vectorized per batch and seeded: the same stream gives the same
sample). Memory ~ capacity rows of the kept columns, at most `SPARE` times that while
replacements wait.

Replacements are not copied into the sample as they come: the rows a batch puts in (a few
percent of a late batch) are kept aside with a map from slot to row, and the sample is
rebuilt (one `take`) only when they add up to `SPARE - 1` times the capacity, or when it is
read. Rebuilding the whole sample per batch made the estimator cost more than the rows it
kept; the rows chosen are the same either way (same draws, later rows win)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

SPARE = 2.0  # rows held at most, replacements waiting included, in capacities


class Reservoir:
    def __init__(self, capacity: int, *, seed: int = 0, columns: Sequence[str] | None = None):
        if capacity < 1:
            raise ValueError("a reservoir holds at least one row")
        self.capacity = capacity
        self.columns = None if columns is None else list(columns)
        self.seen = 0
        self._rng = np.random.default_rng(seed)
        self._parts: list[pa.Table] = []  # the first rows, then the replacements, in order
        self._held = 0  # rows in `_parts`
        self._slots: npt.NDArray[np.int64] | None = None  # slot -> row of `_parts`, once full
        self._table: pa.Table | None = None  # the sample, when no row is held beside it

    def update(self, batch: pa.RecordBatch) -> None:
        if self.columns is not None:
            batch = batch.select([c for c in self.columns if c in batch.schema.names])
        start, n = self.seen, batch.num_rows
        self.seen += n
        room = max(0, self.capacity - start)
        if room:
            self._hold(batch.slice(0, room))
        if n <= room:
            return
        # Row i (0-based over the stream, i >= capacity) replaces slot j ~ U[0, i] if j fits.
        rows = np.arange(start + room, start + n, dtype=np.int64)
        slots = (self._rng.random(len(rows)) * (rows + 1)).astype(np.int64)
        hit = slots < self.capacity
        if not hit.any():
            return
        slots, taken = slots[hit], rows[hit] - start
        last = len(slots) - 1 - np.unique(slots[::-1], return_index=True)[1]  # later rows win
        slots, taken = slots[last], taken[last]
        if self._slots is None:
            self._slots = np.arange(self.capacity, dtype=np.int64)
        self._slots[slots] = self._held + np.arange(len(taken), dtype=np.int64)
        self._hold(batch.take(pa.array(taken)))
        if self._held >= SPARE * self.capacity:
            self._rebuild()

    def _hold(self, rows: pa.RecordBatch) -> None:
        part = pa.Table.from_batches([rows])
        if self._parts and part.schema != self._parts[0].schema:
            part = part.cast(self._parts[0].schema)
        self._parts.append(part)
        self._held += part.num_rows
        self._table = None

    def _rebuild(self) -> None:
        """The sample as one table: the held rows its slots point at, in slot order."""
        held = pa.concat_tables(self._parts)
        if self._slots is not None:
            held = held.take(pa.array(self._slots))
            self._slots = np.arange(self.capacity, dtype=np.int64)
        self._table = held.combine_chunks()
        self._parts, self._held = [self._table], self._table.num_rows

    def table(self) -> pa.Table:
        """The sample so far (every row, if no more than `capacity` were seen)."""
        if not self._parts:
            return pa.table({})
        if self._table is None:
            self._rebuild()
        assert self._table is not None
        return self._table
