"""Lineage of SQL queries: which output columns are group keys, aggregates or row-level,
and a rewrite that lets the lab count each output row's contributors itself."""

from jobs.lineage.analyze import analyze
from jobs.lineage.model import (
    COLUMN_KINDS,
    ENTITIES_COLUMN,
    RESERVED_PREFIX,
    ROWS_COLUMN,
    ColumnKind,
    ColumnLineage,
    QueryLineage,
)

__all__ = [
    "COLUMN_KINDS",
    "ENTITIES_COLUMN",
    "RESERVED_PREFIX",
    "ROWS_COLUMN",
    "ColumnKind",
    "ColumnLineage",
    "QueryLineage",
    "analyze",
]
