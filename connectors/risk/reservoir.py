"""A uniform sample of a stream of record batches, at most `capacity` rows (reservoir
sampling, algorithm R, vectorized per batch and seeded: the same stream gives the same
sample). Memory ~ capacity rows of the kept columns."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa


class Reservoir:
    def __init__(self, capacity: int, *, seed: int = 0, columns: Sequence[str] | None = None):
        if capacity < 1:
            raise ValueError("a reservoir holds at least one row")
        self.capacity = capacity
        self.columns = None if columns is None else list(columns)
        self.seen = 0
        self._rng = np.random.default_rng(seed)
        self._parts: list[pa.RecordBatch] = []
        self._table: pa.Table | None = None

    def update(self, batch: pa.RecordBatch) -> None:
        if self.columns is not None:
            batch = batch.select([c for c in self.columns if c in batch.schema.names])
        start, n = self.seen, batch.num_rows
        self.seen += n
        room = max(0, self.capacity - start)
        if room:
            self._parts.append(batch.slice(0, room))
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
        table = self.table()
        index = np.arange(self.capacity, dtype=np.int64)
        index[slots] = self.capacity + np.arange(len(taken), dtype=np.int64)
        incoming = pa.Table.from_batches([batch.take(pa.array(taken))])
        both = pa.concat_tables([table, incoming.cast(table.schema)])
        self._table = both.take(pa.array(index)).combine_chunks()
        self._parts = []

    def table(self) -> pa.Table:
        """The sample so far (every row, if no more than `capacity` were seen)."""
        if self._parts:
            parts = pa.Table.from_batches(self._parts)
            if self._table is not None:
                parts = pa.concat_tables([self._table, parts.cast(self._table.schema)])
            self._table = parts.combine_chunks()
            self._parts = []
        if self._table is None:
            return pa.table({})
        return self._table
