"""The aggregate catalogue: which aggregates reduce a group to a value that no single input
row determines, and which collect or pick row values.

An allow-list, one table: an aggregate that is not here is not proven to reduce anything, so
the analysis treats what it computes as row-level (failing closed). Names are those of
DuckDB and the canonical names sqlglot gives the same functions (`string_agg` parses as
GROUP_CONCAT, `list` as ARRAY_AGG, `quantile_cont` as PERCENTILE_CONT ...), lower case.
"""

from __future__ import annotations

from typing import Literal

from sqlglot import exp

AggregateRole = Literal["count", "sum", "reducing", "picking", "collecting", "grouping"]
"""count: counts rows (from_count); sum: reduces, and is a count when it adds counts;
reducing: reduces (avg, stddev ...); picking: min/max/median/quantile, which return one
record's value (aggregate over numbers, with a note; row-level over text); collecting: list,
string_agg, arg_max, first ... (row-level whatever they collect); grouping: GROUPING()."""


def _roles(role: AggregateRole, names: str) -> dict[str, AggregateRole]:
    return dict.fromkeys(names.split(), role)


CATALOGUE: dict[str, AggregateRole] = {
    **_roles(
        "count",
        "count count_star count_if countif approx_count_distinct approx_distinct regr_count",
    ),
    **_roles("sum", "sum fsum sumkahan kahan_sum sum_no_overflow"),
    **_roles(
        "reducing",
        "avg mean favg stddev stddev_samp stddev_pop std variance var_samp var_pop "
        "variance_samp variance_pop sem kurtosis kurtosis_pop skewness geomean geometric_mean "
        "corr covar_pop covar_samp regr_avgx regr_avgy regr_intercept regr_r2 regr_slope "
        "regr_sxx regr_sxy regr_syy bool_and bool_or logical_and logical_or entropy product",
    ),
    **_roles(
        "picking",
        "min max median quantile quantile_cont quantile_disc percentile_cont percentile_disc "
        "approx_quantile reservoir_quantile mad",
    ),
    **_roles(
        "collecting",
        "list array_agg string_agg group_concat listagg histogram map arg_min arg_max argmin "
        "argmax min_by max_by arg_min_null arg_max_null first last any_value arbitrary mode "
        "bitstring_agg bit_and bit_or bit_xor",
    ),
    **_roles("grouping", "grouping grouping_id"),
}

_WRAPPERS = (exp.Filter, exp.IgnoreNulls, exp.RespectNulls, exp.WithinGroup)


def function_name(node: exp.Expr) -> str:
    """The name DuckDB or sqlglot knows `node` by, lower case ('' for non-functions)."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return ""


def aggregate_role(node: exp.Expr) -> tuple[str, AggregateRole] | None:
    """(name, role) when `node` is an aggregate the catalogue knows; ('name', 'collecting')
    for an aggregate sqlglot knows and the catalogue does not (fail closed); None otherwise."""
    if isinstance(node, _WRAPPERS):
        return aggregate_role(node.this)
    name = function_name(node)
    role = CATALOGUE.get(name)
    if role is not None:
        return name, role
    if isinstance(node, exp.AggFunc):
        return name, "collecting"
    return None


def is_aggregate(node: exp.Expr) -> bool:
    """An aggregate call, known or not to the catalogue (anonymous names included)."""
    return aggregate_role(node) is not None


def aggregate_arguments(node: exp.Expr) -> list[exp.Expr]:
    """What an aggregate reads from its rows (a FILTER condition included)."""
    if isinstance(node, _WRAPPERS):
        rest = [child for child in node.iter_expressions() if child is not node.this]
        return aggregate_arguments(node.this) + rest
    return list(node.iter_expressions())
