"""Column kinds and query verdicts, one row per rule and per known bypass: what the analysis
cannot prove aggregate is row-level."""

from __future__ import annotations

import pytest

from jobs.lineage import QueryLineage
from jobs.lineage.analyze import analyze

SCHEMAS = {
    "merchants": {
        "merchant_id": "BIGINT",
        "name": "VARCHAR",
        "address": "VARCHAR",
        "city": "VARCHAR",
        "monthly_sales": "DOUBLE",
    },
    "loans": {"merchant_id": "BIGINT", "amount": "BIGINT"},
}
KEYS = {"merchants": "merchant_id", "loans": "merchant_id"}

AGG = "aggregate"
ROW = "row_level"
KEY = "group_key"

# (query, query is aggregate, [(kind, from_count) per output column])
CASES: dict[str, tuple[str, bool, list[tuple[str, bool]]]] = {
    # -- renaming: the name says nothing, the lineage does
    "rename": ("SELECT name AS label, address AS place FROM merchants", False, [(ROW, False)] * 2),
    "rename_cte": (
        "WITH x AS (SELECT name AS n FROM merchants) SELECT n AS total FROM x",
        False,
        [(ROW, False)],
    ),
    "rename_subquery": (
        "SELECT s.label FROM (SELECT name AS label FROM merchants) s",
        False,
        [(ROW, False)],
    ),
    "union_of_raw": (
        "SELECT name FROM merchants UNION SELECT address FROM merchants",
        False,
        [(ROW, False)],
    ),
    "union_raw_with_aggregate": (
        "SELECT city, count(*) FROM merchants GROUP BY city "
        "UNION ALL SELECT name, 1 FROM merchants",
        False,
        [(ROW, False), (AGG, True)],
    ),
    "intersect": (
        "SELECT city, count(*) FROM merchants GROUP BY city "
        "INTERSECT SELECT city, count(*) FROM merchants GROUP BY city",
        False,
        [(KEY, False), (AGG, True)],
    ),
    "window_over_rows": (
        "SELECT sum(monthly_sales) OVER (PARTITION BY city) AS s FROM merchants",
        False,
        [(ROW, False)],
    ),
    "window_in_grouping": (
        "SELECT city, count(*) AS n, row_number() OVER () AS r FROM merchants GROUP BY city",
        False,
        [(KEY, False), (AGG, True), (ROW, False)],
    ),
    "star": ("SELECT * FROM merchants", False, [(ROW, False)] * 5),
    "table_star": (
        "SELECT m.* EXCLUDE (address) FROM merchants m JOIN loans l USING (merchant_id)",
        False,
        [(ROW, False)] * 4,
    ),
    "columns_star": (
        "SELECT COLUMNS('na.*'), count(*) FROM merchants GROUP BY ALL",
        False,
        [(ROW, False), (AGG, True)],
    ),
    "string_agg": (
        "SELECT city, string_agg(name, ',') FROM merchants GROUP BY city",
        False,
        [(KEY, False), (ROW, False)],
    ),
    "list": ("SELECT list(name) FROM merchants", False, [(ROW, False)]),
    "arg_max": ("SELECT arg_max(name, monthly_sales) FROM merchants", False, [(ROW, False)]),
    "min_of_text": (
        "SELECT city, min(name) FROM merchants GROUP BY 1",
        False,
        [(KEY, False), (ROW, False)],
    ),
    "first": ("SELECT first(address) FROM merchants", False, [(ROW, False)]),
    "unknown_aggregate": (
        "SELECT bitstring_agg(merchant_id) FROM merchants",
        False,
        [(ROW, False)],
    ),
    "limit_over_rows": ("SELECT name FROM merchants LIMIT 1", False, [(ROW, False)]),
    "qualify_over_rows": (
        "SELECT name FROM merchants QUALIFY row_number() OVER (ORDER BY monthly_sales) = 1",
        False,
        [(ROW, False)],
    ),
    "scalar_subquery": (
        "SELECT (SELECT max(name) FROM merchants) AS top, count(*) FROM loans",
        False,
        [(ROW, False), (AGG, True)],
    ),
    "grouped_by_a_scalar_subquery": (
        "SELECT (SELECT max(name) FROM merchants) AS top, count(*) FROM loans GROUP BY top",
        False,
        [(ROW, False), (AGG, True)],
    ),
    "grouped_by_all_with_a_subquery": (
        "SELECT (SELECT first(name) FROM merchants) AS top, count(*) FROM loans GROUP BY ALL",
        False,
        [(ROW, False), (AGG, True)],
    ),
    "aggregate_over_a_subquery": (
        "SELECT sum((SELECT max(amount) FROM loans)) FROM merchants",
        False,
        [(ROW, False)],
    ),
    "aggregate_joined_with_rows": (
        "SELECT c.n, m.name FROM (SELECT count(*) AS n FROM loans) c, merchants m",
        False,
        [(AGG, True), (ROW, False)],
    ),
    "values": ("VALUES (1, 'a')", False, [(ROW, False), (ROW, False)]),
    # -- counts in disguise are aggregates, and from_count where they stay numbers
    "count_as_double": ("SELECT count(*)::DOUBLE AS n FROM merchants", True, [(AGG, True)]),
    "count_as_text": ("SELECT 'n=' || count(*) AS n FROM merchants", True, [(AGG, False)]),
    "count_arithmetic": ("SELECT count(*) * 1.0 + 0 AS n FROM merchants", True, [(AGG, True)]),
    "count_if_in_disguise": (
        "SELECT sum(CASE WHEN amount > 10 THEN 1 ELSE 0 END) AS big FROM loans",
        True,
        [(AGG, True)],
    ),
    "sum_of_counts": (
        "SELECT sum(n) AS total FROM (SELECT city, count(*) AS n FROM merchants GROUP BY city)",
        True,
        [(AGG, True)],
    ),
    # -- provable aggregates
    "group_by": (
        "SELECT city, count(*) AS n, round(avg(monthly_sales), 2) AS mean, "
        "count(DISTINCT merchant_id) AS d, approx_count_distinct(name) AS a "
        "FROM merchants GROUP BY city",
        True,
        [(KEY, False), (AGG, True), (AGG, False), (AGG, True), (AGG, True)],
    ),
    "group_key_expression": (
        "SELECT upper(city) || '!' AS c, stddev(monthly_sales) FROM merchants GROUP BY city",
        True,
        [(KEY, False), (AGG, False)],
    ),
    "group_by_position_and_alias": (
        "SELECT city AS c, sum(amount) FROM merchants JOIN loans USING (merchant_id) GROUP BY c",
        True,
        [(KEY, False), (AGG, False)],
    ),
    "grouping_sets": (
        "SELECT city, count(*) FROM merchants GROUP BY GROUPING SETS ((city), ())",
        True,
        [(KEY, False), (AGG, True)],
    ),
    "cube_with_having": (
        "SELECT city, count(*) FROM merchants GROUP BY CUBE (city) HAVING count(*) > 1",
        True,
        [(KEY, False), (AGG, True)],
    ),
    "star_over_aggregate_cte": (
        "WITH c AS (SELECT city, count(*) AS n FROM merchants GROUP BY ALL) "
        "SELECT * FROM c ORDER BY n DESC LIMIT 3",
        True,
        [(KEY, False), (AGG, True)],
    ),
    "union_of_aggregates": (
        "SELECT city, count(*) FROM merchants GROUP BY city "
        "UNION SELECT 'all', count(*) FROM merchants",
        True,
        [(KEY, False), (AGG, True)],
    ),
    "distinct_over_rows": (
        "SELECT DISTINCT upper(city) AS c FROM merchants",
        True,
        [(KEY, False)],
    ),
    "distinct_with_a_window": (
        "SELECT DISTINCT city, row_number() OVER () AS r FROM merchants",
        False,
        [(ROW, False), (ROW, False)],
    ),
    "max_of_numbers": ("SELECT max(monthly_sales) FROM merchants", True, [(AGG, False)]),
    "grouping_by_an_identifier": (
        "SELECT name, count(*) FROM merchants GROUP BY name",
        True,
        [(KEY, False), (AGG, True)],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_column_kinds_and_verdict(case: str) -> None:
    query, aggregate, kinds = CASES[case]
    lineage = analyze(query, SCHEMAS, entity_keys=KEYS)
    assert [(c.kind, c.from_count) for c in lineage.columns] == kinds, lineage
    assert lineage.aggregate is aggregate, lineage.reason
    assert (lineage.counted_query is not None) is aggregate
    assert lineage.reason
    for column in lineage.columns:
        assert column.reason


def test_renamed_columns_name_their_input_sources() -> None:
    lineage = analyze(
        "WITH x AS (SELECT name AS n FROM merchants) SELECT upper(n) AS label FROM x", SCHEMAS
    )
    (column,) = lineage.columns
    assert (column.name, column.kind, column.sources) == ("label", ROW, ("merchants.name",))


def test_min_and_max_of_numbers_are_noted_for_the_reviewer() -> None:
    lineage = analyze("SELECT city, max(monthly_sales) FROM merchants GROUP BY city", SCHEMAS)
    assert lineage.aggregate
    assert any("max" in note and "one record" in note for note in lineage.notes)


def test_without_types_min_and_max_fail_closed() -> None:
    names = {"merchants": ["city", "monthly_sales"]}
    lineage = analyze("SELECT max(monthly_sales) FROM merchants", names)
    assert not lineage.aggregate


@pytest.mark.parametrize(
    "query",
    [
        "SELECT nope FROM merchants",
        "SELECT * FROM unknown_table",
        "SELECT (",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
        "SELECT count(*) FROM r",
        "SELECT * FROM merchants PIVOT (count(*) FOR city IN ('a'))",
    ],
)
def test_what_cannot_be_resolved_is_row_level(query: str) -> None:
    assert not analyze(query, SCHEMAS).aggregate


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(*) FROM (SELECT monthly_sales FROM merchants WHERE merchant_id = 1 "
        "INTERSECT SELECT monthly_sales FROM merchants)",
        "SELECT count(*) FROM (SELECT monthly_sales FROM merchants WHERE merchant_id = 1 "
        "UNION SELECT monthly_sales FROM merchants WHERE merchant_id = 1)",
    ],
)
def test_deduplicated_rows_count_no_more_than_their_contributors(query: str) -> None:
    """Rows merged by UNION or INTERSECT are undercounted (safe: more suppression), but their
    entities are unknown: one merchant's 40 distinct amounts must not count as 40 entities."""
    assert analyze(query, SCHEMAS).aggregate
    assert not analyze(query, SCHEMAS, entity_keys=KEYS).aggregate


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(*) FROM range(3) r, "
        "LATERAL (SELECT monthly_sales FROM merchants WHERE merchant_id = 1) x",
        "SELECT count(*) FROM unnest((SELECT list(name) FROM merchants)) u(n)",
        # a generated multiplier would make one merchant's row count 100
        "SELECT name, count(*) FROM merchants, range(100) GROUP BY name",
        "WITH v AS (SELECT 1 AS x UNION ALL SELECT 2) SELECT name, count(*) FROM merchants, v "
        "GROUP BY name",
    ],
)
def test_rows_whose_contributors_cannot_be_told_are_not_counted(query: str) -> None:
    for keys in (KEYS, None):
        lineage = analyze(query, SCHEMAS, entity_keys=keys)
        assert not lineage.aggregate, lineage


def test_lineage_crosses_process_boundaries_as_json() -> None:
    lineage = analyze("SELECT city, count(*) AS n FROM merchants GROUP BY city", SCHEMAS)
    assert QueryLineage.from_json(lineage.to_json()) == lineage
