"""The job's inputs, as the gate consults them: which input columns identify someone, and
which of an output's values are values of those columns.

An output column is judged by what it holds, not by what it is called: if most of its
distinct values are values of an input identifier column (raw, pseudonym or surrogate: the
import classifies all three `identifier`) or of an input's entity key, it carries that
identifier, whatever the query or the Python code did to its name.

The one threshold (`OVERLAP_SHARE`, `OVERLAP_MIN_MATCHES`): a column overlaps when at least
half of its distinct values are found in one input identifier column and at least three of
them are (or all of them, when the column has fewer than three distinct values and holds
text: one merchant's name is still a name). Three keeps a couple of coincidences (a city
that is also a shop's name) from condemning a column; half keeps a column of other values
that merely share a few with the input from being taken for it.

The output is small (bounded by max_rows for anything that may leave), the inputs may be
large: the output's distinct values form a hashed set, and each input identifier column is
streamed batch by batch through it (`pc.is_in`), one column at a time, so no input is ever
held whole in memory. Values are compared as text, trimmed and lower-cased, integral
numbers without a fraction (`12345.0` is `12345`), so a cast or an `upper()` does not hide
them.

Numbers coincide easily: a column of months (1..12) is all values of a dense surrogate key
(1..N). A match against a numeric input column whose values crowd their range (more than
`DENSE_SHARE` of the integers between its min and max are present) is reported as `dense`:
the checks then ask a person to look instead of blocking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

OVERLAP_SHARE = 0.5
OVERLAP_MIN_MATCHES = 3
DENSE_SHARE = 0.01
IDENTIFIER_CLASS = "identifier"
BATCH_ROWS = 65_536


@dataclass(frozen=True)
class InputColumn:
    """An input column that identifies someone, and why the gate thinks so."""

    alias: str
    column: str
    why: str
    """"classified identifier" or "its entity key"."""

    @property
    def label(self) -> str:
        return f"{self.alias}.{self.column}"


@dataclass(frozen=True)
class Match:
    """How many of an output column's distinct values one input identifier column holds."""

    source: InputColumn
    matched: int
    distinct: int
    dense: bool = False

    @property
    def share(self) -> float:
        return self.matched / self.distinct if self.distinct else 0.0

    def substantial(self, *, text: bool) -> bool:
        """The overlap threshold, in the one place it is defined (see the module doc)."""
        needed = min(OVERLAP_MIN_MATCHES, self.distinct) if text else OVERLAP_MIN_MATCHES
        return self.matched >= needed and self.share >= OVERLAP_SHARE


@dataclass
class InputProbe:
    """The job's inputs by alias: their data (scanned lazily), column classes, entity keys."""

    datasets: Mapping[str, pads.Dataset]
    classes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """alias -> column -> classification (identifier, quasi_identifier, sensitive, plain)."""
    entity_keys: Mapping[str, str] = field(default_factory=dict)
    """alias -> the column that identifies a person or business in that input."""

    def identifier_columns(self) -> list[InputColumn]:
        found: list[InputColumn] = []
        for alias, data in self.datasets.items():
            key = self.entity_keys.get(alias)
            for column in data.schema.names:
                if column == key:
                    found.append(InputColumn(alias, column, "its entity key"))
                elif self.classes.get(alias, {}).get(column) == IDENTIFIER_CLASS:
                    found.append(InputColumn(alias, column, "classified identifier"))
        return found

    def identifies(self, source: str) -> bool:
        """Whether `alias.column` (a lineage source) is an identifier or an entity key."""
        return any(c.label == source for c in self.identifier_columns())

    def lookup(self, columns: Mapping[str, pa.ChunkedArray]) -> dict[str, list[Match]]:
        """For each output column, its overlap with every input identifier column (most
        overlapping first). Each input column is streamed once for all output columns."""
        wanted: dict[str, pa.Array] = {}
        for name, array in columns.items():
            values = _distinct(array)
            if values is not None:
                wanted[name] = values
        if not wanted:
            return {}
        everything = pc.unique(pa.concat_arrays([v for v in wanted.values()]))
        matches: dict[str, list[Match]] = {name: [] for name in wanted}
        for source in self.identifier_columns():
            found, dense = self._scan(source, everything)
            if not len(found):
                continue
            for name, values in wanted.items():
                hits = pc.sum(pc.is_in(values, value_set=found)).as_py() or 0
                if hits:
                    matches[name].append(Match(source, hits, len(values), dense))
        return {n: sorted(m, key=lambda x: -x.share) for n, m in matches.items() if m}

    def _scan(self, source: InputColumn, values: pa.Array) -> tuple[pa.Array, bool]:
        """The values of `values` that occur in the input column, and whether the column is
        a dense run of numbers."""
        data = self.datasets[source.alias]
        numeric = _is_number(data.schema.field(source.column).type)
        seen: list[pa.Array] = []
        low = high = None
        present = 0
        for batch in data.to_batches(columns=[source.column], batch_size=BATCH_ROWS):
            column = batch.column(0)
            if numeric and len(column) > column.null_count:
                bounds = pc.min_max(column)
                lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
                low = lo if low is None else min(low, lo)
                high = hi if high is None else max(high, hi)
                present += len(column) - column.null_count
            text = _normalized(column)
            if text is None:
                continue
            hit = pc.unique(pc.filter(text, pc.is_in(text, value_set=values)))
            if len(hit):
                seen.append(hit)
                values = pc.filter(values, pc.invert(pc.is_in(values, value_set=hit)))
                if not len(values):
                    break
        found = pc.unique(pa.concat_arrays(seen)) if seen else pa.array([], pa.string())
        dense = bool(
            numeric
            and low is not None
            and high is not None
            and present > (high - low + 1) * DENSE_SHARE
        )
        return found, dense


def _is_number(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )


def is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _normalized(column: pa.Array | pa.ChunkedArray) -> pa.Array | None:
    """The values as comparable text, or None for types that hold no identifiers."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    if is_text(kind):
        text = pc.utf8_lower(pc.utf8_trim_whitespace(column.cast(pa.string())))
    elif pa.types.is_integer(kind) or (pa.types.is_decimal(kind) and kind.scale == 0):
        text = pc.cast(column, pa.string())
    elif pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        as_float = pc.cast(column, pa.float64())
        integral = pc.equal(pc.floor(as_float), as_float)
        whole = pc.cast(
            pc.if_else(integral, as_float, pa.scalar(None, pa.float64())), pa.int64(), safe=False
        )
        text = pc.if_else(integral, pc.cast(whole, pa.string()), pc.cast(as_float, pa.string()))
    else:
        return None
    return pc.drop_null(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text))


def _distinct(column: pa.ChunkedArray) -> pa.Array | None:
    text = _normalized(column)
    return None if text is None or not len(text) else pc.unique(text)
