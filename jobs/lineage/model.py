"""What the lineage analysis of a SQL query says about each output column and the query.

A column is a `group_key` (an expression of the query's grouping expressions), an
`aggregate` (an expression whose every reference to input data sits inside an allowed
reducing aggregate: count, sum, avg, ...) or `row_level` (anything else: an input column,
or a function of one, carried without aggregation). What the analysis cannot prove to be a
group key or an aggregate is row-level, and so is the query: failing closed is the point.

A query is `aggregate` when every output row stands for a group of input rows that the lab
can count itself: `counted_query` is then the user's query rewritten to carry, as its last
columns, the number of input rows behind each output row (`ROWS_COLUMN`) and, where the
inputs name an entity key, the number of distinct entities (`ENTITIES_COLUMN`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

ColumnKind = Literal["group_key", "aggregate", "row_level"]
COLUMN_KINDS: tuple[ColumnKind, ...] = ("group_key", "aggregate", "row_level")

RESERVED_PREFIX = "__lab_"
"""Identifiers the lab adds to a query; a user's query may not name anything like them."""
ROWS_COLUMN = "__lab_rows"
ENTITIES_COLUMN = "__lab_entities"


@dataclass(frozen=True)
class ColumnLineage:
    """One output column, by its position in the outermost SELECT list."""

    position: int
    name: str
    """The output name as the query writes it (its alias), or the expression's text."""
    kind: ColumnKind
    sources: tuple[str, ...]
    """Input columns it is computed from, as `alias.column`, sorted."""
    from_count: bool
    """Numeric and computed only from counts (count, count_if, a sum of counts, arithmetic
    on them): the gate rounds it."""
    reason: str
    """Why it has this kind, in words a reviewer reads ("carries merchants.name without
    aggregation", "string_agg collects row values", "sum of merchants.sales")."""


@dataclass(frozen=True)
class QueryLineage:
    aggregate: bool
    columns: tuple[ColumnLineage, ...]
    reason: str
    """Why the query is, or is not, provably aggregate."""
    counted_query: str | None = None
    """When `aggregate`: the query that also returns ROWS_COLUMN (and ENTITIES_COLUMN when
    `entities_counted`) as its last columns; None otherwise."""
    entities_counted: bool = False
    """ENTITIES_COLUMN is there: some keyed input feeds the query. Each output row then
    carries the least distinct-key count of the keyed inputs behind it (a lower bound when
    it comes through an aggregate of aggregates), or its rows where no keyed input feeds it."""
    notes: tuple[str, ...] = ()
    """Things a human reviewer should look at (min/max pick one record's value, ...)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueryLineage:
        columns = tuple(
            ColumnLineage(**{**c, "sources": tuple(c["sources"])}) for c in data["columns"]
        )
        return cls(
            aggregate=bool(data["aggregate"]),
            columns=columns,
            reason=str(data["reason"]),
            counted_query=data.get("counted_query"),
            entities_counted=bool(data.get("entities_counted", False)),
            notes=tuple(data.get("notes", ())),
        )

    def row_level_columns(self) -> tuple[ColumnLineage, ...]:
        return tuple(c for c in self.columns if c.kind == "row_level")
