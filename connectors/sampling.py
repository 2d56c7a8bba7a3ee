"""Seeded, streaming samples of record batches.

- `fraction`: each row is kept with that probability (Bernoulli, one draw per row from a
  seeded numpy Generator). Streams: memory is one batch; the sample does not depend on how
  the rows are cut into batches.
- `n`: a uniform sample of at most n rows (reservoir sampling, Algorithm R, vectorized per
  batch). Memory is bounded by about 2n rows plus one batch; the rows come out in their
  original order once the input is exhausted.
- `stratify_by` (with `n` or `fraction`): per-stratum reservoirs whose sizes are
  proportional to the strata's sizes (largest remainder), with at least one row for every
  stratum present when n allows (n >= number of strata); with `fraction`, each stratum
  gets round(fraction x its size), at least 1. The strata's sizes come from
  `strata_counts` when given, else from a first pass when `batches` is a callable that
  restarts the stream (e.g. `source.batches`: two passes, memory about 2n rows). With `n`
  and a plain iterable, one pass: every stratum keeps up to n rows and is cut down to its
  target at the end (memory up to n rows per stratum, at most `MAX_ONE_PASS_STRATA`
  strata). Null is a stratum of its own.

Same seed and same input rows give the same sample.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from connectors.errors import SpecError

K = TypeVar("K", bound=Hashable)
MAX_ONE_PASS_STRATA = 64
OUTPUT_BATCH_ROWS = 65_536
Batches = Iterable[pa.RecordBatch] | Callable[[], Iterable[pa.RecordBatch]]
I64 = npt.NDArray[np.int64]


def count_strata(batches: Iterable[pa.RecordBatch], column: str) -> dict[Hashable, int]:
    """Rows per value of `column` (a first pass for a stratified sample)."""
    counts: Counter[Hashable] = Counter()
    for batch in batches:
        for value, count in _value_counts(_column(batch, column)):
            counts[value] += count
    return dict(counts)


def allocate(counts: Mapping[K, int], n: int) -> dict[K, int]:
    """Rows to draw per stratum: proportional to `counts` (largest remainder), at least 1 per
    non-empty stratum when n >= their number, never more than the stratum holds."""
    present = {k: c for k, c in counts.items() if c > 0}
    total = sum(present.values())
    if n >= total:
        return dict(present)
    keys = sorted(present, key=lambda k: (-present[k], repr(k)))  # deterministic order
    quota = {k: n * present[k] / total for k in keys}
    floor = 1 if n >= len(keys) else 0
    target = {k: min(present[k], max(floor, int(quota[k]))) for k in keys}
    excess = sum(target.values()) - n
    # the minimum of 1 overshot: take back from the most over-allocated strata
    over = [(quota[k] - target[k], i, k) for i, k in enumerate(keys) if target[k] > 1]
    heapq.heapify(over)
    while excess > 0:
        _, i, k = heapq.heappop(over)
        target[k] -= 1
        excess -= 1
        if target[k] > 1:
            heapq.heappush(over, (quota[k] - target[k], i, k))
    # largest remainders first for the rows still to give
    under = [(target[k] - quota[k], i, k) for i, k in enumerate(keys) if target[k] < present[k]]
    heapq.heapify(under)
    while excess < 0:
        _, i, k = heapq.heappop(under)
        target[k] += 1
        excess += 1
        if target[k] < present[k]:
            heapq.heappush(under, (target[k] - quota[k], i, k))
    return {k: t for k, t in target.items() if t > 0}


def sample_batches(
    batches: Batches,
    *,
    n: int | None = None,
    fraction: float | None = None,
    stratify_by: str | None = None,
    seed: int = 0,
    strata_counts: Mapping[Hashable, int] | None = None,
) -> Iterator[pa.RecordBatch]:
    """A sample of the rows of `batches` (see the module's description)."""
    if (n is None) == (fraction is None):
        raise SpecError("give either n or fraction for a sample, not both or neither")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise SpecError(f"n must be a non-negative integer, not {n!r}")
    if fraction is not None and not (isinstance(fraction, int | float) and 0 <= fraction <= 1):
        raise SpecError(f"fraction must be a number between 0 and 1, not {fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError(f"seed must be a non-negative integer, not {seed!r}")
    if strata_counts is not None and stratify_by is None:
        raise SpecError("strata_counts needs stratify_by")
    rng = np.random.default_rng(seed)
    if stratify_by is None:
        stream = batches() if callable(batches) else batches
        if fraction is not None:
            return _bernoulli(stream, float(fraction), rng)
        assert n is not None
        return _reservoir(stream, n, None, rng)
    if strata_counts is None and callable(batches):
        strata_counts = count_strata(batches(), stratify_by)
    stream = batches() if callable(batches) else batches
    if strata_counts is not None:
        targets = (
            allocate(strata_counts, n)
            if n is not None
            else _fraction_targets(strata_counts, float(fraction or 0))
        )
        return _reservoir(stream, None, (stratify_by, targets, False), rng)
    if n is None:
        raise SpecError(
            "a stratified fraction needs the strata's sizes: pass strata_counts, or the "
            "batches as a callable that restarts them"
        )
    return _reservoir(stream, n, (stratify_by, {}, True), rng)


def _fraction_targets(counts: Mapping[Hashable, int], fraction: float) -> dict[Hashable, int]:
    if fraction == 0:
        return {}
    return {k: max(1, round(fraction * c)) for k, c in counts.items() if c > 0}


def _column(batch: pa.RecordBatch, name: str) -> pa.Array:
    index = batch.schema.get_field_index(name)
    if index < 0:
        raise SpecError(f"cannot stratify by {name!r}: no such column")
    return batch.column(index)


def _value_counts(column: pa.Array) -> list[tuple[Hashable, int]]:
    counted = pc.value_counts(column)
    return list(
        zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True)
    )


def _bernoulli(
    batches: Iterable[pa.RecordBatch], fraction: float, rng: np.random.Generator
) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        keep = rng.random(batch.num_rows) < fraction
        if keep.any():
            yield batch.filter(pa.array(keep))


class _Reservoir:
    """Algorithm R over global row numbers: slot -> row number of the row it holds."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.seen = 0
        self.slots: I64 = np.empty(0, dtype=np.int64)

    def offer(self, rows: I64, rng: np.random.Generator) -> I64:
        """Offer rows (global row numbers, ascending) in order; those now held."""
        if self.size == 0 or len(rows) == 0:
            self.seen += len(rows)
            return rows[:0]
        before = len(self.slots)
        free = max(0, min(self.size - before, len(rows)))
        self.slots = np.concatenate([self.slots, rows[:free]])
        rest = rows[free:]
        winners = rest[:0]
        if len(rest):
            position = self.seen + free + np.arange(len(rest))  # 0-based index in stream
            slot = np.floor(rng.random(len(rest)) * (position + 1)).astype(np.int64)
            hit = slot < self.size
            slot, rest = slot[hit], rest[hit]
            # when a slot is hit twice in this batch, the later row wins (as in sequence)
            unique, last = np.unique(slot[::-1], return_index=True)
            winners = rest[::-1][last]
            self.slots[unique] = winners
        self.seen += len(rows)
        filled = self.slots[before : before + free]
        return np.concatenate([filled[filled == rows[:free]], winners])


def _reservoir(
    batches: Iterable[pa.RecordBatch],
    n: int | None,
    strata: tuple[str, dict[Hashable, int], bool] | None,
    rng: np.random.Generator,
) -> Iterator[pa.RecordBatch]:
    """Reservoirs (one, or one per stratum) over the stream; the kept rows, in order."""
    reservoirs: dict[Hashable, _Reservoir] = {}
    counts: Counter[Hashable] = Counter()
    kept: list[tuple[I64, pa.RecordBatch]] = []
    held = 0
    start = 0
    schema: pa.Schema | None = None
    for batch in batches:
        schema = batch.schema
        rows = np.arange(start, start + batch.num_rows, dtype=np.int64)
        start += batch.num_rows
        if strata is None:
            groups: list[tuple[Hashable, I64]] = [(None, np.arange(batch.num_rows))]
        else:
            groups = _groups(_column(batch, strata[0]))
        entered = []
        for key, index in groups:
            counts[key] += len(index)
            if key not in reservoirs:
                reservoirs[key] = _Reservoir(_capacity(key, n, strata, len(reservoirs)))
            entered.append(reservoirs[key].offer(rows[index], rng))
        new = np.concatenate(entered) - rows[0] if entered else rows[:0]
        if len(new):
            candidates = np.zeros(batch.num_rows, dtype=bool)
            candidates[new] = True
            kept.append((rows[candidates], batch.filter(pa.array(candidates))))
            held += len(new)
            capacity = sum(len(r.slots) for r in reservoirs.values())
            if held > 2 * capacity + 1024:
                live = _live(reservoirs)
                kept, held = _compact(kept, live), len(live)
    if schema is None:
        return
    if strata is not None and strata[2]:  # one pass: cut each stratum down to its target
        targets = allocate(counts, n or 0)
        for key, reservoir in reservoirs.items():
            keep = targets.get(key, 0)
            if len(reservoir.slots) > keep:
                reservoir.slots = rng.choice(reservoir.slots, size=keep, replace=False)
    pieces = _compact(kept, _live(reservoirs))
    table = pa.Table.from_batches([b for _, b in pieces], schema=schema).combine_chunks()
    yield from table.to_batches(max_chunksize=OUTPUT_BATCH_ROWS)


def _capacity(
    key: Hashable, n: int | None, strata: tuple[str, dict[Hashable, int], bool] | None, known: int
) -> int:
    if strata is None:
        return n or 0
    column, targets, one_pass = strata
    if not one_pass:
        return targets.get(key, 0)
    if known >= MAX_ONE_PASS_STRATA:
        raise SpecError(
            f"{column!r} has more than {MAX_ONE_PASS_STRATA} values: pass strata_counts, or "
            "the batches as a callable that restarts them, for a stratified sample"
        )
    return n or 0


def _live(reservoirs: Mapping[Hashable, _Reservoir]) -> I64:
    """Row numbers held by the reservoirs, sorted."""
    slots = [r.slots for r in reservoirs.values()]
    return np.sort(np.concatenate(slots)) if slots else np.empty(0, dtype=np.int64)


def _groups(column: pa.Array) -> list[tuple[Hashable, I64]]:
    """(value, row indices) for each value of the column, nulls included."""
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    values = encoded.dictionary.to_pylist()
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(values) + 1))
    return [
        (values[i], order[bounds[i] : bounds[i + 1]].astype(np.int64))
        for i in range(len(values))
        if bounds[i + 1] > bounds[i]
    ]


def _compact(kept: list[tuple[I64, pa.RecordBatch]], live: I64) -> list[tuple[I64, pa.RecordBatch]]:
    out = []
    for rows, batch in kept:
        mask = np.isin(rows, live, assume_unique=True)
        if mask.all():
            out.append((rows, batch))
        elif mask.any():
            out.append((rows[mask], batch.filter(pa.array(mask))))
    return out
