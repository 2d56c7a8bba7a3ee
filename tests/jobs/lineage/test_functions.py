"""The aggregate catalogue recognises every name it lists as DuckDB users write it, whatever
canonical name sqlglot gives the function."""

from __future__ import annotations

import pytest
import sqlglot

from jobs.lineage.functions import CATALOGUE, aggregate_role

TWO_ARGUMENTS = {
    *("corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_intercept"),
    *("regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy", "regr_count"),
    *("arg_min", "arg_max", "argmin", "argmax", "min_by", "max_by", "arg_min_null"),
    *("arg_max_null", "map"),
}
QUANTILES = {
    *("quantile", "quantile_cont", "quantile_disc", "percentile_cont", "percentile_disc"),
    *("approx_quantile", "reservoir_quantile"),
}


def _call(name: str) -> str:
    if name in {"count_star"}:
        return "count_star()"
    if name in {"string_agg", "listagg"}:
        return f"{name}(x, ',')"
    if name in TWO_ARGUMENTS:
        return f"{name}(x, y)"
    if name in QUANTILES:
        return f"{name}(x, 0.5)"
    return f"{name}(x)"


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_listed_aggregate_is_recognised_with_its_role(name: str) -> None:
    node = sqlglot.parse_one(f"SELECT {_call(name)} FROM t", read="duckdb").expressions[0]
    found = aggregate_role(node)
    assert found is not None and found[1] == CATALOGUE[name]


@pytest.mark.parametrize(
    ("call", "role"),
    [
        ("count(DISTINCT x) FILTER (WHERE y > 1)", "count"),
        ("string_agg(DISTINCT x, ',')", "collecting"),
        ("list(x ORDER BY y)", "collecting"),
        ("array_unique_agg(x)", "collecting"),  # an aggregate sqlglot knows and we do not
        ("upper(x)", None),
    ],
)
def test_wrapped_and_unknown_aggregates(call: str, role: str | None) -> None:
    node = sqlglot.parse_one(f"SELECT {call} FROM t", read="duckdb").expressions[0]
    found = aggregate_role(node)
    assert (found[1] if found else None) == role
