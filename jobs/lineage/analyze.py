"""The lineage of a SQL query: what each output column is, whether the whole query is provably
aggregate, and the counted query that lets the lab count each output row's contributors.

sqlglot's `qualify` does the name resolution (stars, `t.*`, EXCLUDE/REPLACE, aliases, GROUP
BY positions, CTE scoping) against the inputs' schemas; `relations` judges each level of
the qualified tree; `rewrite` adds the hidden count columns to an unqualified copy. What the
analysis cannot resolve (an unknown column, COLUMNS(...), a parse it does not share with
DuckDB) makes the query row-level: the verdict fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify

from jobs.lineage.columns import Col
from jobs.lineage.model import ColumnKind, ColumnLineage, QueryLineage
from jobs.lineage.relations import Analyzer, Rel
from jobs.lineage.rewrite import RewriteError, apply, tag

Schemas = Mapping[str, Sequence[str] | Mapping[str, str]]
_UNTYPED = "UNKNOWN"


def analyze(
    query: str | exp.Expr,
    schemas: Schemas,
    *,
    entity_keys: Mapping[str, str] | None = None,
) -> QueryLineage:
    """Judge `query` over inputs `schemas` (alias -> column names, or names -> DuckDB types:
    min/max are aggregates only over columns known to be numeric)."""
    try:
        tree = sqlglot.parse_one(query, read="duckdb") if isinstance(query, str) else query
    except (SqlglotError, RecursionError):
        return QueryLineage(False, (), "the analysis could not parse the query")
    typed = {alias: _typed(columns) for alias, columns in schemas.items()}
    try:
        return _analyze(tree, typed, entity_keys or {})
    except RecursionError:
        return QueryLineage(False, (), "the query nests too deeply for the analysis")


def _analyze(
    tree: exp.Expr, typed: dict[str, dict[str, str]], entity_keys: Mapping[str, str]
) -> QueryLineage:
    original = tree.copy()
    originals = tag(original)
    qualified = original.copy()
    try:
        qualify(
            qualified,
            dialect="duckdb",
            schema={alias: dict(columns) for alias, columns in typed.items()},
            quote_identifiers=False,
            identify=False,
            validate_qualify_columns=True,
        )
    except Exception as exc:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return QueryLineage(False, (), f"the analysis could not resolve the query's names: {why}")
    rel = Analyzer(typed, entity_keys).query(qualified, {})
    columns = _columns(rel, _output_names(original, len(rel.cols)))
    notes = tuple(dict.fromkeys(n for c in rel.cols for n in c.notes))
    if not rel.counted:
        return QueryLineage(False, columns, rel.reason, notes=notes)
    try:
        counted = apply(original, rel.steps, originals, entities=rel.entities)
    except RewriteError as exc:
        return QueryLineage(False, columns, f"the counts cannot be added: {exc}", notes=notes)
    return QueryLineage(
        True,
        columns,
        rel.reason,
        counted_query=counted.sql(dialect="duckdb", copy=False),
        entities_counted=rel.entities,
        notes=notes,
    )


def _typed(columns: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    if isinstance(columns, Mapping):
        return {str(k): str(v) for k, v in columns.items()}
    return dict.fromkeys((str(c) for c in columns), _UNTYPED)


def _columns(rel: Rel, names: list[str]) -> tuple[ColumnLineage, ...]:
    return tuple(
        ColumnLineage(
            position=position,
            name=names[position] if position < len(names) else rel.names[position],
            kind=_kind(col),
            sources=tuple(sorted(col.sources)),
            from_count=col.from_count and col.kind == "aggregate",
            reason=col.reason,
        )
        for position, col in enumerate(rel.cols)
    )


def _kind(col: Col) -> ColumnKind:
    return "group_key" if col.kind == "constant" else col.kind


def _output_names(tree: exp.Expr, count: int) -> list[str]:
    """Names as the user wrote them: the alias, the column, or the expression's text."""
    select = tree
    while not isinstance(select, exp.Select):
        if isinstance(select, exp.SetOperation):
            select = select.left
        elif isinstance(select, exp.Subquery):
            select = select.this
        else:
            return []
    projections = select.expressions
    if len(projections) != count or any(isinstance(p, exp.Star) for p in projections):
        return []
    return [
        p.alias_or_name if isinstance(p, exp.Alias | exp.Column) else p.sql(dialect="duckdb")
        for p in projections
    ]
