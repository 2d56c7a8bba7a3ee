"""The counted query: the user's query, unchanged but for hidden columns at its end that carry
the number of input rows (and distinct entities) behind each output row.

The analysis runs on a qualified copy of the tree (stars expanded, columns qualified) and
names the steps on that copy; the steps are applied to an unqualified copy, found by an id
both copies share (`tag`), so that what the user wrote (names, stars, clause order) stays
what DuckDB runs. Every step only adds: a column at the end of a SELECT list, an EXCLUDE
of the hidden columns on a star that would otherwise pick them up, or (for UNION and
DISTINCT, where equal rows merge) a wrapping SELECT that merges them keeping the smallest
count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlglot import exp

from jobs.lineage.model import ENTITIES_COLUMN, ROWS_COLUMN

StepKind = Literal["count", "zero", "pass", "sum", "merge", "key", "regroup"]
_ID = "lab_id"
_TAGGED = (exp.Select, exp.SetOperation, exp.Subquery, exp.Table)
MERGED_ALIAS = "__lab_merged"


class RewriteError(Exception):
    """A step names a node the rewrite cannot find: the query is not counted."""


@dataclass(frozen=True)
class Step:
    """count: add count(*) (and count(DISTINCT key) of `keys`) to a grouping over input rows;
    zero: add counts of 0 to a SELECT of constants, which no input row is behind;
    pass: carry a counted source's hidden columns; sum: add them up over a counted source;
    merge: merge duplicate rows of a UNION or DISTINCT keeping the smallest count;
    regroup: SELECT DISTINCT over input rows becomes GROUP BY ALL (the same rows), so that
    the count added next does not take part in the DISTINCT;
    key: carry an input's entity key through a row-level SELECT that does not show it, as
    the hidden column named in `hidden`."""

    kind: StepKind
    node: exp.Expr
    keys: tuple[exp.Column, ...] = ()
    hidden: tuple[tuple[str, str], ...] = ()
    """(hidden key column, source alias): keep them out of the SELECT's stars."""


def tag(tree: exp.Expr) -> dict[int, exp.Expr]:
    """Give every node a step may name an id that survives `copy()`; return id -> node."""
    nodes: dict[int, exp.Expr] = {}
    for node in tree.walk():
        if isinstance(node, _TAGGED):
            node.meta[_ID] = len(nodes)
            nodes[len(nodes)] = node
    return nodes


def apply(
    tree: exp.Expr, steps: list[Step], originals: dict[int, exp.Expr], *, entities: bool
) -> exp.Expr:
    """Apply `steps` (named on the qualified copy) to `tree`; return the new root."""
    hidden = [ROWS_COLUMN, ENTITIES_COLUMN] if entities else [ROWS_COLUMN]
    root = tree
    done: set[tuple[str, int, tuple[tuple[str, str], ...]]] = set()
    for step in steps:
        ident = step.node.meta.get(_ID)
        if not isinstance(ident, int) or ident not in originals:
            raise RewriteError(f"cannot place the {step.kind} step")
        if (step.kind, ident, step.hidden) in done:
            continue
        done.add((step.kind, ident, step.hidden))
        node = originals[ident]
        if step.kind == "merge":
            merged = _merge(node, hidden)
            root = merged if node is root else root
            continue
        if not isinstance(node, exp.Select):
            raise RewriteError(f"the {step.kind} step needs a SELECT")
        _exclude_keys(node, step.hidden)
        if step.kind == "count":
            _count(node, step, entities)
        elif step.kind == "zero":
            for name in hidden:
                node.append("expressions", exp.alias_(exp.Literal.number(0), name))
        elif step.kind == "regroup":
            node.set("distinct", None)
            node.set("group", exp.Group(all=True))
        elif step.kind == "key":
            _name_subqueries(node, step)
            (key,), ((name, _),) = step.keys, step.hidden
            node.append("expressions", exp.alias_(key.copy(), name))
        else:
            _exclude(node, hidden)
            _carry(node, hidden, summed=step.kind == "sum")
    return root


def _count(select: exp.Select, step: Step, entities: bool) -> None:
    select.append("expressions", exp.alias_(exp.Count(this=exp.Star()), ROWS_COLUMN))
    if not entities:
        return
    _name_subqueries(select, step)
    counts: list[exp.Expr] = [
        exp.Count(this=exp.Distinct(expressions=[key.copy()])) for key in step.keys
    ]
    if not counts:  # no keyed input feeds this level: its rows are all it can say
        counts = [exp.Count(this=exp.Star())]
    value = counts[0] if len(counts) == 1 else exp.Anonymous(this="least", expressions=counts)
    select.append("expressions", exp.alias_(value, ENTITIES_COLUMN))


def _name_subqueries(select: exp.Select, step: Step) -> None:
    """An unnamed FROM subquery gets the name the qualified copy gave it, for the key."""
    qualified = _from_nodes(step.node)
    for mine, theirs in zip(_from_nodes(select), qualified, strict=False):
        if isinstance(mine, exp.Subquery) and not mine.alias and theirs.alias:
            mine.set("alias", exp.TableAlias(this=exp.to_identifier(theirs.alias)))


def _from_nodes(select: exp.Expr) -> list[exp.Expr]:
    from_ = select.args.get("from_")
    nodes = [from_.this] if isinstance(from_, exp.From) else []
    return nodes + [join.this for join in select.args.get("joins") or []]


def _carry(select: exp.Select, hidden: list[str], *, summed: bool) -> None:
    for name in hidden:
        column: exp.Expr = exp.column(name, quoted=True)
        if summed and name == ROWS_COLUMN:
            column = exp.cast(exp.Sum(this=column), exp.DataType.build("BIGINT"))
        elif summed:
            column = exp.Max(this=column)
        select.append("expressions", exp.alias_(column, name) if summed else column)


def _exclude_keys(select: exp.Select, hidden: tuple[tuple[str, str], ...]) -> None:
    """Hidden key columns stay out of a star: of `*`, and of `alias.*` for their source."""
    for projection in select.expressions:
        qualifier = projection.table.lower() if isinstance(projection, exp.Column) else ""
        star = projection.this if isinstance(projection, exp.Column) else projection
        names = [n for n, alias in hidden if not qualifier or alias.lower() == qualifier]
        if isinstance(star, exp.Star) and names:
            excluded = list(star.args.get("except_") or [])
            star.set("except_", excluded + [exp.column(n, quoted=True) for n in names])


def _exclude(select: exp.Select, hidden: list[str]) -> None:
    """A star over a counted source would pick the hidden columns up as visible ones."""
    for projection in select.expressions:
        star = projection.this if isinstance(projection, exp.Column) else projection
        if not isinstance(star, exp.Star):
            continue
        excluded = list(star.args.get("except_") or [])
        star.set("except_", excluded + [exp.column(n, quoted=True) for n in hidden])


def _merge(node: exp.Expr, hidden: list[str]) -> exp.Expr:
    """SELECT * EXCLUDE (hidden), min(hidden) ... FROM (node, duplicates kept) GROUP BY ALL,
    with node's WITH, ORDER BY, LIMIT and OFFSET moved outside."""
    if isinstance(node, exp.Select) and isinstance(node.args.get("distinct"), exp.Distinct):
        node.set("distinct", None)
    elif isinstance(node, exp.Union):
        node.set("distinct", False)
    else:
        raise RewriteError("only UNION and DISTINCT merge")
    moved = {k: node.args.get(k) for k in ("with_", "order", "limit", "offset")}
    parent = node.parent
    for key in moved:
        node.set(key, None)
    star = exp.Star(except_=[exp.column(n, quoted=True) for n in hidden])
    mins = [exp.alias_(exp.Min(this=exp.column(n, quoted=True)), n) for n in hidden]
    wrapper = exp.Select(expressions=[star, *mins])
    placeholder = exp.Null()
    node.replace(placeholder)
    wrapper.set(
        "from_",
        exp.From(
            this=exp.Subquery(this=node, alias=exp.TableAlias(this=exp.to_identifier(MERGED_ALIAS)))
        ),
    )
    wrapper.set("group", exp.Group(all=True))
    for key, value in moved.items():
        if value is not None:
            wrapper.set(key, value)
    if parent is None:
        return wrapper
    branch = isinstance(parent, exp.SetOperation)
    placeholder.replace(exp.Subquery(this=wrapper) if branch else wrapper)
    return wrapper
