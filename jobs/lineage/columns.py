"""What one expression of a SELECT list is, given what its FROM sources' columns are.

Works on sqlglot trees already qualified (every column names its source, stars expanded).
A grouping level (GROUP BY, or aggregates) and a plain level are judged differently: at a
grouping level a column outside an aggregate must be part of a grouping expression, at a
plain level a column is what its source column is (a plain SELECT over an aggregate
subquery passes the aggregate through). Anything not understood is row-level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from sqlglot import exp

from jobs.lineage.functions import aggregate_arguments, aggregate_role, function_name

Kind = Literal["constant", "group_key", "aggregate", "row_level"]
_RANK: dict[Kind, int] = {"constant": 0, "group_key": 1, "aggregate": 2, "row_level": 3}

_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Neg, exp.Paren, exp.Mod)
_NUMERIC_FUNCTIONS: tuple[type[exp.Expr], ...] = (exp.Round, exp.Abs, exp.Ceil, exp.Floor)
_NUMERIC_FUNCTIONS += (exp.Coalesce, exp.Greatest, exp.Least)
_COUNT_KEEPING = _ARITHMETIC + _NUMERIC_FUNCTIONS
_SUBQUERIES = (exp.Subquery, exp.Select, exp.SetOperation, exp.Exists)


@dataclass(frozen=True)
class Col:
    """One column of a relation, as the analysis sees it."""

    kind: Kind
    sources: frozenset[str]
    from_count: bool
    numeric: bool
    reason: str
    key_of: str | None = None
    """The input alias whose entity key this column carries unchanged."""
    notes: tuple[str, ...] = ()


def raw(source: str, numeric: bool, *, key_of: str | None = None) -> Col:
    return Col("row_level", frozenset({source}), False, numeric, f"carries {source}", key_of)


UNKNOWN = Col("row_level", frozenset(), False, False, "a column the analysis cannot trace")


@dataclass(frozen=True)
class Level:
    """How to judge expressions at one SELECT: its source columns and its grouping."""

    resolve: Callable[[exp.Column], Col]
    group_keys: frozenset[exp.Expr] | None
    """The grouping expressions (sqlglot compares trees by structure); None at a plain
    (non-grouping) level."""


def classify(node: exp.Expr, level: Level) -> Col:
    """The lineage of `node` at `level`."""
    if function_name(node) in {"columns", "unpack"}:
        return replace(UNKNOWN, reason="COLUMNS(...) is not expanded by the analysis")
    if isinstance(node, exp.Window):
        return _row(node, level, f"window function {_short(node)} runs over single rows")
    if isinstance(node, _SUBQUERIES):
        return _row(node, level, "a subquery in the SELECT list is not analysed (fail closed)")
    if level.group_keys is not None and _is_group_key(node, level.group_keys):
        inner = _value(node, level)
        return replace(inner, kind="group_key", reason=f"grouped by {_short(node)}", notes=())
    role = aggregate_role(node)
    if role is not None:
        if level.group_keys is None:
            return _row(node, level, f"{role[0]} outside a grouping is not analysed")
        return _aggregate(node, role[0], role[1], level)
    if isinstance(node, exp.Column):
        if isinstance(node.this, exp.Star):
            return replace(UNKNOWN, reason="a star the analysis could not expand")
        col = level.resolve(node)
        if level.group_keys is None:
            return col
        return replace(col, kind="row_level", reason=f"carries {_short(node)} without aggregation")
    if isinstance(node, exp.Star):
        return replace(UNKNOWN, reason="a star the analysis could not expand")
    if isinstance(node, exp.DataType | exp.Var | exp.Identifier | exp.DataTypeParam):
        return Col("constant", frozenset(), False, False, "a constant")
    if isinstance(node, exp.Literal | exp.Null | exp.Boolean):
        numeric = isinstance(node, exp.Literal) and not node.is_string
        return Col("constant", frozenset(), False, numeric, "a constant")
    return _combine(node, [classify(child, level) for child in node.iter_expressions()])


def _aggregate(node: exp.Expr, name: str, role: str, level: Level) -> Col:
    args = [_value(arg, level) for arg in aggregate_arguments(node)]
    sources = frozenset().union(*(a.sources for a in args)) if args else frozenset()
    if any(arg.find(exp.Window, *_SUBQUERIES) for arg in aggregate_arguments(node)):
        why = f"{name} over a subquery or window function is not analysed (fail closed)"
        return Col("row_level", sources, False, False, why)
    what = ", ".join(sorted(sources)) or "rows"
    if role == "count":
        return Col("aggregate", sources, True, True, f"{name} of {what}")
    if role == "grouping":
        return Col("group_key", sources, False, True, f"{name}() of the grouping")
    first = args[0] if args else None
    if role == "sum":
        counted = first is not None and (first.from_count or _ones(node))
        reason = f"{name} of counts" if counted else f"{name} of {what}"
        return Col("aggregate", sources, bool(counted), True, reason)
    if role == "reducing":
        boolean = name.startswith(("bool", "logical"))
        return Col("aggregate", sources, False, not boolean, f"{name} of {what}")
    if role == "picking" and first is not None and first.numeric:
        note = f"{name}({what}) returns one record's value"
        return Col("aggregate", sources, False, True, f"{name} of {what}", notes=(note,))
    if role == "picking":
        return Col("row_level", sources, False, False, f"{name} over non-numbers picks a value")
    return Col("row_level", sources, False, False, f"{name} collects or picks row values")


def _value(node: exp.Expr, level: Level) -> Col:
    """What an expression computes from its source rows, judged as a plain level would."""
    return classify(node, Level(level.resolve, None))


def _ones(node: exp.Expr) -> bool:
    """sum(CASE WHEN ... THEN 1 ELSE 0 END) and the like: a count_if in disguise."""
    args = aggregate_arguments(node)
    if not args or not isinstance(args[0], exp.Case | exp.If):
        return False
    leaves = [args[0].args.get("default")]
    if isinstance(args[0], exp.If):
        leaves += [args[0].args.get("true"), args[0].args.get("false")]
    else:
        leaves += [branch.args.get("true") for branch in args[0].args.get("ifs") or []]
    return all(
        leaf is None
        or isinstance(leaf, exp.Null)
        or (isinstance(leaf, exp.Literal) and leaf.this in {"0", "1"})
        for leaf in leaves
    )


def _combine(node: exp.Expr, parts: list[Col]) -> Col:
    """A scalar expression over `parts`: as row-level as its most row-level part."""
    if not parts:
        if isinstance(node, exp.Func | exp.Anonymous):
            return Col("constant", frozenset(), False, False, "a constant")
        return replace(UNKNOWN, reason=f"{type(node).__name__} is not analysed")
    worst = max(parts, key=lambda c: _RANK[c.kind])
    sources = frozenset().union(*(p.sources for p in parts))
    notes = tuple(dict.fromkeys(n for p in parts for n in p.notes))
    numeric = _numeric(node, parts)
    counted = [p for p in parts if p.kind != "constant"]
    from_count = (
        numeric
        and isinstance(node, (*_COUNT_KEEPING, exp.Cast, exp.TryCast))
        and bool(counted)
        and all(p.from_count for p in counted)
    )
    key_of = parts[0].key_of if isinstance(node, exp.Paren) else None
    reason = worst.reason if worst.kind != "constant" else "a constant"
    return Col(worst.kind, sources, from_count, numeric, reason, key_of, notes)


def _numeric(node: exp.Expr, parts: list[Col]) -> bool:
    if isinstance(node, exp.Cast | exp.TryCast):
        return bool(node.to.is_type(*exp.DataType.NUMERIC_TYPES))
    if isinstance(node, _COUNT_KEEPING):
        return all(p.numeric for p in parts)
    return False


def _is_group_key(node: exp.Expr, keys: frozenset[exp.Expr]) -> bool:
    """A grouping expression, and one that reads no subquery (a scalar subquery is one value
    for every group: grouping by it would carry that value out)."""
    if not keys or isinstance(node, exp.Literal | exp.Null | exp.Boolean | exp.Star):
        return False
    return node in keys and node.find(exp.Window, *_SUBQUERIES) is None


def _row(node: exp.Expr, level: Level, reason: str) -> Col:
    sources = frozenset(
        source
        for column in node.find_all(exp.Column)
        if not isinstance(column.this, exp.Star)
        for source in level.resolve(column).sources
    )
    return Col("row_level", sources, False, False, reason)


def _short(node: exp.Expr) -> str:
    text = node.sql(dialect="duckdb")
    return text if len(text) <= 60 else text[:57] + "..."
