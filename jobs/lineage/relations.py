"""Relations of a qualified query: what each SELECT, set operation, CTE and FROM source
yields, whether the lab can count the contributors of its rows, and how (the rewrite steps).

Supported counted shapes: a SELECT of constants alone (no input row behind it: zero);
a grouping over input rows (count(*) of the joined rows); a plain
SELECT over one counted source (passes the counts through); a grouping over one counted
source (rows add up, entities are the most of the inner ones: a lower bound); UNION ALL of
counted branches; UNION or DISTINCT over counted rows (duplicates merge, keeping the
smallest count). Anything else is row-level, with the reason.

Entities: each keyed input that feeds a grouping is counted by its key, which a plain
row-level SELECT that does not show it carries as a hidden column (`Step("key")`); where the
key cannot be carried (DISTINCT, a set operation, a projection by the job's own input
columns) the query fails closed. A level that no keyed input feeds reports its rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlglot import exp

from jobs.lineage.columns import UNKNOWN, Col, Level, classify, raw
from jobs.lineage.entities import entity_keys, hidden_keys
from jobs.lineage.functions import is_aggregate
from jobs.lineage.rewrite import Step

_NUMERIC_PREFIXES = tuple(
    [
        "TINYINT",
        "SMALLINT",
        "INT",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINT",
        "UBIGINT",
        "UHUGEINT",
        "FLOAT",
        "DOUBLE",
        "REAL",
        "DECIMAL",
        "NUMERIC",
    ]
)


@dataclass
class Rel:
    names: list[str]
    cols: list[Col]
    counted: bool = False
    reason: str = ""
    base_rows: bool = True
    """Its rows are input rows (or joins of them): no aggregation below it."""
    inputs: frozenset[str] = frozenset()
    """The inputs its rows come from (range() or VALUES read none)."""
    entities: bool = False
    """Its counted form carries distinct entity counts."""
    steps: list[Step] = field(default_factory=list)
    hidden_keys: dict[str, tuple[str, list[Step]]] = field(default_factory=dict)
    """input -> (hidden column, steps that add it): entity keys a row-level SELECT can carry
    although it does not show them."""

    def column(self, name: str) -> Col:
        lowered = name.lower()
        for index, candidate in enumerate(self.names):
            if candidate.lower() == lowered:
                return self.cols[index]
        return UNKNOWN


def row_level(
    names: list[str],
    cols: list[Col],
    reason: str,
    *,
    base_rows: bool = True,
    inputs: frozenset[str] = frozenset(),
) -> Rel:
    return Rel(names, cols, False, reason, base_rows=base_rows, inputs=inputs)


class Analyzer:
    """One analysis: input schemas, entity keys, and the CTEs in scope."""

    def __init__(
        self,
        schemas: Mapping[str, Mapping[str, str]],
        entity_keys: Mapping[str, str],
    ) -> None:
        self.schemas = {k.lower(): v for k, v in schemas.items()}
        self.keys = {k.lower(): v.lower() for k, v in entity_keys.items()}

    # -- queries --------------------------------------------------------------------------

    def query(self, node: exp.Expr, ctes: dict[str, Rel]) -> Rel:
        ctes = self._with(node, ctes)
        if isinstance(node, exp.Subquery):
            return self.query(node.this, ctes)
        if isinstance(node, exp.Union):
            return self._union(node, ctes)
        if isinstance(node, exp.SetOperation):
            left, right = self.query(node.left, ctes), self.query(node.right, ctes)
            kind = type(node).__name__.upper()
            return row_level(
                left.names,
                left.cols,
                f"{kind} is not counted (fail closed)",
                base_rows=left.base_rows and right.base_rows,
                inputs=left.inputs | right.inputs,
            )
        if isinstance(node, exp.Select):
            return self._select(node, ctes)
        if isinstance(node, exp.Values) and node.expressions:
            width = len(node.expressions[0].expressions)
            unknown = replace(UNKNOWN, reason="VALUES rows are carried as they are")
            names = [f"col{i}" for i in range(width)]
            return row_level(names, [unknown] * width, "VALUES rows")
        return Rel([], [], reason=f"{type(node).__name__} is not analysed", base_rows=False)

    def _with(self, node: exp.Expr, ctes: dict[str, Rel]) -> dict[str, Rel]:
        with_ = node.args.get("with_")
        if not isinstance(with_, exp.With):
            return ctes
        scope = dict(ctes)
        for cte in with_.expressions:
            if with_.args.get("recursive"):
                rel = Rel([], [], reason="WITH RECURSIVE is not analysed", base_rows=False)
            else:
                rel = self._aliased(self.query(cte.this, scope), cte.args.get("alias"))
            scope[cte.alias_or_name.lower()] = rel
        return scope

    def _aliased(self, rel: Rel, alias: exp.Expr | None) -> Rel:
        columns = alias.columns if isinstance(alias, exp.TableAlias) else []
        if not columns:
            return rel
        names = [c.name for c in columns] + rel.names[len(columns) :]
        return replace(rel, names=names)

    def _union(self, node: exp.Union, ctes: dict[str, Rel]) -> Rel:
        left, right = self.query(node.left, ctes), self.query(node.right, ctes)
        cols = [_union_col(a, b) for a, b in zip(left.cols, right.cols, strict=False)]
        base_rows, inputs = left.base_rows and right.base_rows, left.inputs | right.inputs
        if node.args.get("by_name"):
            why = "UNION BY NAME is not counted"
            return row_level(left.names, cols, why, base_rows=base_rows, inputs=inputs)
        if not (left.counted and right.counted):
            why = "a UNION branch is row-level: " + (
                left.reason if not left.counted else right.reason
            )
            return row_level(left.names, cols, why, base_rows=base_rows, inputs=inputs)
        steps = left.steps + right.steps
        if node.args.get("distinct"):
            steps.append(Step("merge", node))
        return Rel(
            left.names,
            cols,
            True,
            "a UNION of aggregate branches",
            False,
            inputs,
            left.entities or right.entities,
            steps,
        )

    # -- SELECT -----------------------------------------------------------------------------

    def _select(self, select: exp.Select, ctes: dict[str, Rel]) -> Rel:
        sources = self._sources(select, ctes)
        by_alias = {alias: rel for alias, rel, _ in sources}

        def resolve(column: exp.Column) -> Col:
            rel = by_alias.get(column.table.lower())
            return rel.column(column.name) if rel is not None else UNKNOWN

        projections = select.expressions
        names = [p.alias_or_name for p in projections]
        grouping = self._grouping(select)
        distinct = select.args.get("distinct")
        regrouped = (
            grouping is None
            and isinstance(distinct, exp.Distinct)
            and not distinct.args.get("on")
            and all(rel.base_rows and not rel.counted for _, rel, _ in sources)
            and not any(p.find(exp.Window, exp.Subquery, exp.Select) for p in projections)
        )
        if regrouped:  # SELECT DISTINCT a, b over input rows groups by a, b
            grouping = frozenset(p.this if isinstance(p, exp.Alias) else p for p in projections)
        level = Level(resolve, grouping)
        cols = [classify(p.this if isinstance(p, exp.Alias) else p, level) for p in projections]
        base_rows = all(rel.base_rows for _, rel, _ in sources)
        inputs = frozenset().union(*(rel.inputs for _, rel, _ in sources))

        def refuse(why: str) -> Rel:
            flat = base_rows and grouping is None
            return row_level(names, cols, why, base_rows=flat, inputs=inputs)

        if isinstance(select.args.get("distinct"), exp.Distinct) and select.args[
            "distinct"
        ].args.get("on"):
            return refuse("DISTINCT ON keeps single rows")
        if not sources and grouping is None and all(c.kind == "constant" for c in cols):
            # the user's own constants: no input row behind them, so a count of zero
            why = "constant rows: no input row behind them"
            return Rel(names, cols, True, why, False, frozenset(), False, [Step("zero", select)])
        leaky = next((c for c in cols if c.kind == "row_level"), None)
        counted_sources = [rel for _, rel, _ in sources if rel.counted]
        if grouping is None and not counted_sources:
            why = leaky.reason if leaky else "no grouping: each output row is an input row"
            rel = refuse(why)
            if not select.args.get("distinct"):
                rel.hidden_keys = hidden_keys(self.keys, select, sources, cols)
            return rel
        if leaky is not None:
            return refuse(leaky.reason)
        if counted_sources and len(sources) > 1:
            return refuse("joins an aggregate with other data")
        if not counted_sources and not base_rows:
            return refuse("groups rows that are not input rows")
        if inputs and any(_generator(rel, node) for _, rel, node in sources):
            return refuse("joins input rows with generated rows, which would multiply the count")
        if grouping is None:
            (source,) = counted_sources
            steps = [*source.steps, Step("pass", select)]
            reason, entities = "passes an aggregate's rows through", source.entities
        elif counted_sources:
            (source,) = counted_sources
            steps = [*source.steps, Step("sum", select)]
            reason, entities = "an aggregate over an aggregate", source.entities
        else:
            found = entity_keys(self.keys, sources)
            if isinstance(found, str):
                return refuse(found)
            keys, hidden, steps = found
            if regrouped:
                steps.append(Step("regroup", select))
            steps.append(Step("count", select, tuple(keys), tuple(hidden)))
            reason, entities = "a grouping over input rows", bool(keys)
        if isinstance(distinct, exp.Distinct) and not regrouped:
            steps.append(Step("merge", select))
        return Rel(names, cols, True, reason, False, inputs, entities, steps)

    def _grouping(self, select: exp.Select) -> frozenset[exp.Expr] | None:
        group = select.args.get("group")
        aggregated = any(
            is_aggregate(node) and not _in_window_or_subquery(node, select)
            for target in (*select.expressions, select.args.get("having"))
            if target is not None
            for node in target.walk()
        )
        if not isinstance(group, exp.Group):
            return frozenset() if aggregated else None
        keys: list[exp.Expr] = []
        if group.args.get("all"):
            keys += [
                p.this if isinstance(p, exp.Alias) else p
                for p in select.expressions
                if not any(is_aggregate(n) or isinstance(n, exp.Window) for n in p.walk())
            ]
        pending: list[exp.Expr] = list(group.expressions)
        for name in ("grouping_sets", "cube", "rollup"):
            pending += group.args.get(name) or []
        while pending:
            item = pending.pop()
            if isinstance(item, exp.Tuple | exp.GroupingSets | exp.Cube | exp.Rollup):
                pending += item.expressions
            elif isinstance(item, exp.Paren):
                pending.append(item.this)
            else:
                keys.append(item)
        return frozenset(keys)

    # -- FROM -------------------------------------------------------------------------------

    def _sources(self, select: exp.Select, ctes: dict[str, Rel]) -> list[tuple[str, Rel, exp.Expr]]:
        from_ = select.args.get("from_")
        nodes = [from_.this] if isinstance(from_, exp.From) else []
        nodes += [join.this for join in select.args.get("joins") or []]
        return [(node.alias_or_name.lower(), self._source(node, ctes), node) for node in nodes]

    def _source(self, node: exp.Expr, ctes: dict[str, Rel]) -> Rel:
        if node.args.get("pivots"):
            return Rel([], [], reason="PIVOT is not analysed", base_rows=False)
        if isinstance(node, exp.Subquery):
            return self._aliased(self.query(node.this, ctes), node.args.get("alias"))
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
            name = node.name.lower()
            if name in ctes:
                return ctes[name]
            if name in self.schemas:
                return self._input(name)
        if node.find(exp.Select, exp.Subquery) is not None:
            # a LATERAL subquery, a table function over a query: rows of unknown origin
            return Rel([], [], reason=f"{type(node).__name__} source", base_rows=False)
        return Rel([], [], reason=f"{type(node).__name__} source")  # range(), unnest([...])

    def _input(self, name: str) -> Rel:
        columns = self.schemas[name]
        key = self.keys.get(name)
        cols = [
            raw(
                f"{name}.{column}",
                kind.upper().startswith(_NUMERIC_PREFIXES),
                key_of=name if column.lower() == key else None,
            )
            for column, kind in columns.items()
        ]
        return Rel(list(columns), cols, reason=f"input {name}", inputs=frozenset({name}))


def _generator(rel: Rel, node: exp.Expr) -> bool:
    """range(), VALUES, a CTE of constants: rows that read no input and no other source's
    columns, so that joining them only repeats each input row (a lateral unnest of a list
    column reads that column and is not one)."""
    return not rel.inputs and node.find(exp.Column) is None


def _union_col(a: Col, b: Col) -> Col:
    order = ["constant", "group_key", "aggregate", "row_level"]
    worst = a if order.index(a.kind) >= order.index(b.kind) else b
    return Col(
        worst.kind,
        a.sources | b.sources,
        (a.from_count or b.from_count) and "row_level" not in (a.kind, b.kind),
        a.numeric and b.numeric,
        worst.reason,
        a.key_of if a.key_of == b.key_of else None,
        tuple(dict.fromkeys(a.notes + b.notes)),
    )


def _in_window_or_subquery(node: exp.Expr, stop: exp.Expr) -> bool:
    parent = node.parent
    while parent is not None and parent is not stop:
        if isinstance(parent, exp.Window | exp.Subquery | exp.Select):
            return True
        parent = parent.parent
    return False
