"""Entity keys: how the key of each keyed input reaches a grouping, so that the lab counts
distinct entities (a merchant seen in 40 rows is one) and not rows.

A grouping counts, per keyed input that feeds it, the distinct values of the column that
carries that input's key into the grouping: a column the query shows, or a hidden column
(`__lab_key_<n>`) added to each plain row-level SELECT on the way. Where the key cannot be
carried (a set operation, a projection without it), the query fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlglot import exp

from jobs.lineage.columns import Col
from jobs.lineage.rewrite import Step

if TYPE_CHECKING:
    from jobs.lineage.relations import Rel

Sources = list[tuple[str, "Rel", exp.Expr]]


def entity_keys(
    keys_of: Mapping[str, str], sources: Sources
) -> tuple[list[exp.Column], list[tuple[str, str]], list[Step]] | str:
    """COUNT(DISTINCT ...) targets: the key of every keyed input that feeds the grouping,
    as the column that carries it into this level (shown, or hidden and added by the
    returned steps). A keyed input whose key cannot reach the grouping fails the query
    closed (the reason, as a string): dropping the key in a subquery must not be a way
    to have a merchant's 40 rows counted as 40 people."""
    keys: list[exp.Column] = []
    hidden: list[tuple[str, str]] = []
    steps: list[Step] = []
    for _alias, rel, node in sources:
        alias = node.alias_or_name
        for keyed in sorted(rel.inputs & keys_of.keys()):
            found = key_column(rel, keyed)
            if found is None:
                return (
                    f"the entity key {keyed}.{keys_of[keyed]} does not reach the grouping "
                    f"through {alias}: keep it in the subquery's columns so the lab can "
                    "count entities"
                )
            name, more = found
            keys.append(exp.column(name, table=alias, quoted=True))
            if more:
                hidden.append((name, alias))
                steps += more
    return keys, hidden, steps


def hidden_keys(
    keys_of: Mapping[str, str], select: exp.Select, sources: Sources, cols: list[Col]
) -> dict[str, tuple[str, list[Step]]]:
    """Keys of the inputs a plain row-level SELECT reads but does not show, with the steps
    that would add each as a hidden column."""
    carried: dict[str, tuple[str, list[Step]]] = {}
    for _alias, rel, node in sources:
        for keyed in sorted(rel.inputs & keys_of.keys()):
            if keyed in carried or any(c.key_of == keyed for c in cols):
                continue
            found = key_column(rel, keyed)
            if found is None:
                continue
            column, steps = found
            alias = node.alias_or_name
            name = f"__lab_key_{sorted(keys_of).index(keyed)}"
            source = exp.column(column, table=alias, quoted=True)
            step = Step("key", select, (source,), ((name, alias),))
            carried[keyed] = (name, [*steps, step])
    return carried


def key_column(rel: Rel, keyed: str) -> tuple[str, list[Step]] | None:
    """The column of `rel` that carries input `keyed`'s entity key, and the steps needed to
    make it exist (none when the relation shows it)."""
    shown = next((n for n, c in zip(rel.names, rel.cols, strict=False) if c.key_of == keyed), None)
    if shown is not None:
        return shown, []
    return rel.hidden_keys.get(keyed)
