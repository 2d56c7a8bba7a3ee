"""The residual scan of one import run: raw identifier values in, output batches out.

`raw(batch)` is given every source batch of the writing pass (before sampling and
suppression); `same_rows(batch, outputs)` each batch's operator outputs next to their inputs;
`output(batch)` every batch about to be written; `finish(...)` compares and says, column by
column, what was found.

A column whose operator passes values through (keep, scrub, suppress_rare) is compared with
the raw values of every identifier column, whatever row they come from (a copy, a mention
in a remark): keyed hashes of both sides, intersected at the end. Any other identifier
column is compared with its own input, row by row: an operator sees one column and maps
each value, so what it can give away is its own value (a mask or a broken operator that
returns its input); a fake that is another row's real value is the surrogate's own check
(it observes every row first). A generalized identifier (an address cut to its city) goes
through the recognizers instead: a value already as coarse as asked is its own
generalization, a full address left is a find. Memory: one 8-byte hash per distinct raw
identifier value and per distinct cell or piece of the pass-through columns (tokens.py);
see `nbytes`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from connectors.operators._arrow import is_stringlike
from connectors.operators.base import Operator
from connectors.operators.registry import get_operator
from connectors.report import GENERALIZING, ImportPlan
from connectors.residual.background import Background
from connectors.residual.hashes import Hasher, Hashes, HashSet
from connectors.residual.tokens import (
    canonical,
    needs_windows,
    pieces,
    raw_forms,
    strings,
    windows,
)
from connectors.residual.values import CACHE_LIMIT, ValueScan

UNSURE_KEPT = "UNSURE_CELLS"  # cells the scrubber was unsure of, kept by `on_unsure: keep`


@dataclass
class ColumnScan:
    """The scan's result for one output column."""

    column: str
    checks: list[str] = field(default_factory=list)
    finds: Counter[str] = field(default_factory=Counter)  # entity -> values (or cells)
    sources: dict[str, str] = field(default_factory=dict)  # entity -> raw column it came from

    @property
    def clean(self) -> bool:
        return not self.finds

    def summary(self) -> str:
        checked = " and ".join(self.checks)
        if self.clean:
            return f"clean ({checked})"
        found = ", ".join(
            f"{entity} in {count} values" + self._source(entity)
            for entity, count in sorted(self.finds.items())
        )
        return f"PII found: {found} ({checked})"

    def _source(self, entity: str) -> str:
        source = self.sources.get(entity)
        return f" (raw values of column {source!r})" if source else ""


def _hashable(dtype: pa.DataType) -> bool:
    if pa.types.is_dictionary(dtype):
        return _hashable(dtype.value_type)
    return is_stringlike(dtype) or bool(pa.types.is_integer(dtype))


_ONE_QUERY_BYTES = 1 << 30  # a batch's raw values hashed in one query up to this size
_SIEVE_BITS = 24  # a flag per 2^40 hashes: 16 MiB, an eighth set by two million hashes
_SIEVE_FROM = 1 << 16  # smaller sets: the binary search alone is quick


class _Sieve:
    """Flags of the top bits of the last large set compared (one at a time: 16 MiB), so a
    set compared with several others is sieved once."""

    def __init__(self) -> None:
        self._of: Hashes | None = None
        self._present = np.zeros(0, dtype=np.bool_)

    def __call__(self, large: Hashes, small: Hashes) -> Hashes:
        """The hashes of `small` whose top bits some hash of `large` has."""
        shift = np.uint64(64 - _SIEVE_BITS)
        if self._of is not large:
            self._of, self._present = None, np.zeros(1 << _SIEVE_BITS, dtype=np.bool_)
            self._present[large >> shift] = True
            self._of = large
        kept: Hashes = small[self._present[small >> shift]]
        return kept


def _common(a: Hashes, b: Hashes, sieve: _Sieve | None = None) -> int:
    """How many hashes two sorted distinct arrays share (binary search of the smaller, after
    a sieve on the larger's top bits when both are large: most hashes never get to the
    search, whose random reads over the larger set were most of the comparison's time)."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not len(small) or not len(large):
        return 0
    if len(small) >= _SIEVE_FROM:
        small = (sieve or _Sieve())(large, small)
    at = np.searchsorted(large, small)
    at[at == len(large)] = 0
    return int(np.count_nonzero(large[at] == small))


class ResidualScan:
    """See the module doc. With `background` the work runs in a thread of its own
    (background.py), alongside the pipeline. `seconds`: the scan's own time (in its thread:
    wall time, which counts its waits for a core); `waited`: what the scan added to the run,
    the pipeline waiting for it after the last batch, the comparison included."""

    def __init__(self, plan: ImportPlan, schema: pa.Schema, *, background: bool = True) -> None:
        self.plan = plan
        self.seconds = 0.0
        self.waited = 0.0
        self._background = Background() if background else None
        self._hash = Hasher()
        self._raw = {
            c.column: HashSet()
            for c in plan.columns
            if c.classification == "identifier" and not c.free_text
        }
        self._out: dict[str, HashSet] = {}
        self._values: dict[str, ValueScan] = {}
        self._windowed: dict[str, set[str]] = {}
        self._own: dict[str, int] = {}  # column -> cells equal to their own input
        for f in schema:
            column = plan.column(f.name)
            passes = get_operator(column.operator).passes_values
            if passes:
                self._values[f.name] = ValueScan(free_text=column.free_text)
            if passes and _hashable(f.type):
                self._out[f.name] = HashSet()
                self._windowed[f.name] = set()
            elif not passes and f.name in self._raw and column.operator in GENERALIZING:
                self._values[f.name] = ValueScan(free_text=False)
            elif not passes and f.name in self._raw:
                self._own[f.name] = 0

    @property
    def nbytes(self) -> int:
        """Memory held by the hash sets."""
        return sum(s.nbytes for s in [*self._raw.values(), *self._out.values()])

    def close(self) -> None:
        """Stops the background work (the import was given up)."""
        if self._background is not None:
            self._background.close()

    def _do(self, call: Callable[..., None], *args: Any) -> None:
        if self._background is not None:
            self._background.submit(call, *args)
            return
        tick = time.perf_counter()
        call(*args)
        self.seconds += time.perf_counter() - tick

    def raw(self, batch: pa.RecordBatch) -> None:
        """A source batch of the writing pass, before sampling and suppression."""
        if self._raw:  # only the columns needed wait in the queue
            self._do(self._raw_now, {c: batch.column(c) for c in self._raw})

    def same_rows(self, batch: pa.RecordBatch, outputs: Mapping[str, pa.Array]) -> None:
        """The operators' input rows (`batch`) and their outputs, row for row."""
        if self._own:
            pairs = {c: (batch.column(c), outputs[c]) for c in self._own}
            self._do(self._same_rows_now, pairs)

    def output(self, batch: pa.RecordBatch) -> None:
        """A batch about to be written."""
        self._do(self._output_now, batch)

    def _raw_now(self, columns: Mapping[str, pa.Array]) -> None:
        if self._hash.native:  # forms and hashes in one pass of the C helper
            for column, hashes in self._raw.items():
                hashes.add(self._hash.raw(columns[column]))
            return
        forms = [raw_forms(columns[column]) for column in self._raw]  # no nulls left
        if sum(f.nbytes for f in forms) >= _ONE_QUERY_BYTES:  # string offsets are 32-bit
            for hashes, form in zip(self._raw.values(), forms, strict=True):
                hashes.add(self._hash(form))
            return
        hashed = self._hash(pa.concat_arrays(forms))  # one query for the batch, not a column
        ends = np.cumsum([len(f) for f in forms])
        for hashes, part in zip(self._raw.values(), np.split(hashed, ends[:-1]), strict=True):
            hashes.add(part)

    def _same_rows_now(self, pairs: Mapping[str, tuple[pa.Array, pa.Array]]) -> None:
        """Counts the cells of the non-pass-through identifier columns equal to their input."""
        for column, (given, out) in pairs.items():  # an input returned is the same bytes
            same = pc.equal(strings(given), strings(out))
            self._own[column] += int(pc.sum(pc.cast(same, pa.int64())).as_py() or 0)

    def _output_now(self, batch: pa.RecordBatch) -> None:
        for column, scan in self._values.items():
            scan.update(batch.column(column))
        for column, hashes in self._out.items():
            values = batch.column(column)
            if is_stringlike(values.type):  # hashing every cell costs less than finding
                cells = canonical(values)  # the distinct strings first
                cells = pa.concat_arrays([cells, pieces(cells), self._windows(column, cells)])
            else:
                cells = canonical(pc.unique(values))
            hashes.add(self._hash(cells))

    def _windows(self, column: str, cells: pa.Array) -> pa.Array:
        seen = self._windowed[column]
        found: list[str] = []
        for text in needs_windows(cells).to_pylist():
            if text in seen:
                continue
            if len(seen) >= CACHE_LIMIT:
                seen.clear()
            seen.add(text)
            found += windows(text)
        return pa.array(found, pa.string())

    def finish(self, chains: Mapping[str, Sequence[Operator[Any]]]) -> dict[str, ColumnScan]:
        """Per output column: what was checked and found. `chains`: the operators that ran
        (the scrubber's counters tell unsure cells it kept)."""
        tick = time.perf_counter()
        if self._background is not None:
            self._background.drain()
            self.seconds += self._background.busy - (time.perf_counter() - tick)
        results = {c: ColumnScan(c) for c in self.plan.output_columns}
        for column, scan in self._values.items():
            results[column].checks.append(f"recognizers over {scan.scanned} distinct values")
            results[column].finds.update(scan.found)
        raw = {column: hashes.values() for column, hashes in self._raw.items()}
        for column, same in self._own.items():
            results[column].checks.append("its own raw values, row by row")
            if same:
                entity = self.plan.column(column).entity or "identifier"
                results[column].finds[entity] += same
                results[column].sources[entity] = column
        sieve = _Sieve()  # an output set is compared with every raw set in a row
        for column, hashes in self._out.items():
            out = hashes.values()
            results[column].checks.append(f"raw values of {len(raw)} identifier columns")
            for source, known in raw.items():
                count = _common(out, known, sieve)
                if count:
                    entity = self.plan.column(source).entity or "identifier"
                    results[column].finds[entity] += count
                    results[column].sources[entity] = source
        for column, chain in chains.items():
            stats: Counter[str] = Counter()
            for step in chain:
                stats.update(step.stats)
            kept_unsure = stats["unsure_cells"] - stats["withheld_cells"]
            if kept_unsure > 0 and column in results:
                results[column].finds[UNSURE_KEPT] += kept_unsure
        self.waited = time.perf_counter() - tick
        self.seconds += self.waited
        return results
