"""The counted query returns what the user's query returns, plus the right counts: run both on
DuckDB and compare, for every shape the lab counts."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pytest

from jobs.lineage.analyze import analyze

# merchant 1 sells 40 times in 杭州; merchants 2..4 a few times each in 上海 and 北京
TXNS = pa.table(
    {
        "merchant_id": [1] * 40 + [2, 2, 3, 3, 3, 4],
        "city": ["杭州"] * 40 + ["上海", "上海", "上海", "上海", "上海", "北京"],
        "amount": [float(i) for i in range(40)] + [5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
        "kind": ["card"] * 20 + ["cash"] * 20 + ["card", "cash", "card", "card", "cash", "card"],
    }
)
MERCHANTS = pa.table(
    {"merchant_id": [1, 2, 3, 4], "name": ["Ann", "Bo", "Cy", "Di"], "sector": list("aabb")}
)
SCHEMAS = {
    "txns": {"merchant_id": "BIGINT", "city": "VARCHAR", "amount": "DOUBLE", "kind": "VARCHAR"},
    "merchants": {"merchant_id": "BIGINT", "name": "VARCHAR", "sector": "VARCHAR"},
}
KEYS = {"txns": "merchant_id", "merchants": "merchant_id"}

CASES: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    # name: (query, expected (rows, entities) per output row, in the query's order)
    "group_by": (
        "SELECT city, count(*) AS n, round(avg(amount), 2) AS mean FROM txns "
        "GROUP BY city ORDER BY city",
        [(5, 2), (1, 1), (40, 1)],
    ),
    "scalar": ("SELECT count(*)::DOUBLE AS n, 'n=' || count(*) AS label FROM txns", [(46, 4)]),
    "constants_count_zero": (
        "SELECT city, count(*) AS n FROM txns GROUP BY city UNION ALL SELECT 'tiny', 3 ORDER BY n",
        [(1, 1), (0, 0), (5, 2), (40, 1)],
    ),
    "join": (
        "SELECT m.sector, count(*) AS n FROM txns t JOIN merchants m USING (merchant_id) "
        "GROUP BY ALL ORDER BY 1",
        [(42, 2), (4, 2)],
    ),
    "rollup": (
        "SELECT city, kind, count(*) AS n FROM txns GROUP BY ROLLUP (city, kind) "
        "ORDER BY city NULLS LAST, kind NULLS LAST",
        [(3, 2), (2, 2), (5, 2), (1, 1), (1, 1), (20, 1), (20, 1), (40, 1), (46, 4)],
    ),
    "cte_pass": (
        "WITH c AS (SELECT city, count(*) AS n FROM txns GROUP BY city) "
        "SELECT * FROM c WHERE n > 1 ORDER BY n DESC LIMIT 5",
        [(40, 1), (5, 2)],
    ),
    "subquery_pass": (
        "SELECT upper(kind) AS k, n * 2 AS twice FROM "
        "(SELECT kind, count(*) AS n FROM txns GROUP BY kind) ORDER BY k",
        [(24, 4), (22, 3)],
    ),
    "aggregate_of_aggregate": (
        "SELECT sum(n) AS total, max(n) AS biggest FROM "
        "(SELECT city, count(*) AS n FROM txns GROUP BY city) s",
        [(46, 2)],
    ),
    "union_all": (
        "SELECT city AS label, count(*) AS n FROM txns GROUP BY city "
        "UNION ALL SELECT 'all', count(*) FROM txns ORDER BY n",
        [(1, 1), (5, 2), (40, 1), (46, 4)],
    ),
    "union_distinct_merges": (
        "SELECT count(*) > 0 AS any FROM txns WHERE city = '上海' "
        "UNION SELECT count(*) > 0 FROM txns WHERE city = '北京'",
        [(1, 1)],
    ),
    "distinct": (
        "SELECT DISTINCT count(*) > 1 AS many FROM txns GROUP BY city ORDER BY many",
        [(1, 1), (5, 1)],
    ),
    "cte_over_raw_cte": (
        "WITH big AS (SELECT * FROM txns WHERE amount > 6) "
        "SELECT kind, count(*) AS n FROM big GROUP BY kind ORDER BY kind",
        [(16, 3), (21, 2)],
    ),
    "union_inside_union_all": (
        "(SELECT city AS k, count(*) AS n FROM txns GROUP BY 1) UNION ALL "
        "(SELECT kind, count(*) FROM txns GROUP BY 1 "
        "UNION SELECT 'card', 24 FROM (SELECT count(*) FROM txns)) ORDER BY 1, 2",
        [(24, 4), (22, 3), (5, 2), (1, 1), (40, 1)],
    ),
    "union_in_cte_passed_through": (
        "WITH u AS (SELECT kind AS k, count(*) AS n FROM txns GROUP BY 1 "
        "UNION SELECT kind, count(*) FROM txns GROUP BY 1) "
        "SELECT k, n * 2 AS twice FROM u ORDER BY k LIMIT 1",
        [(24, 4)],
    ),
    "union_order_limit_offset": (
        "SELECT kind AS k, count(*) AS n FROM txns GROUP BY 1 "
        "UNION SELECT city, count(*) FROM txns GROUP BY 1 ORDER BY n DESC LIMIT 2 OFFSET 1",
        [(24, 4), (22, 3)],
    ),
    "self_join": (
        "SELECT count(*) AS pairs FROM txns a JOIN txns b USING (merchant_id)",
        [(1614, 4)],
    ),
    "sum_over_union_all": (
        "SELECT k, sum(n) AS n FROM (SELECT kind AS k, count(*) AS n FROM txns GROUP BY 1 "
        "UNION ALL SELECT city, count(*) FROM txns GROUP BY 1) GROUP BY k ORDER BY k",
        [(24, 4), (22, 3), (5, 2), (1, 1), (40, 1)],
    ),
    "select_distinct_over_rows": (
        "SELECT DISTINCT kind, city FROM txns ORDER BY city, kind",
        [(3, 2), (2, 2), (1, 1), (20, 1), (20, 1)],
    ),
    "select_distinct_star": (
        "SELECT DISTINCT * FROM (SELECT city FROM txns) ORDER BY 1",
        [(5, 2), (1, 1), (40, 1)],
    ),
    # the key is carried as a hidden column through SELECTs that do not show it
    "key_dropped_in_cte": (
        "WITH c AS (SELECT city FROM txns) "
        "SELECT city, count(*) AS n FROM c GROUP BY city ORDER BY city",
        [(5, 2), (1, 1), (40, 1)],
    ),
    "key_dropped_star_group_all": (
        "WITH c AS (SELECT city, kind FROM txns) "
        "SELECT *, count(*) AS n FROM c GROUP BY ALL ORDER BY city, kind",
        [(3, 2), (2, 2), (1, 1), (20, 1), (20, 1)],
    ),
    "key_dropped_two_levels": (
        "WITH a AS (SELECT city, amount FROM txns), b AS (SELECT * FROM a WHERE amount > 6) "
        "SELECT b.city, count(*) AS n FROM b GROUP BY b.city ORDER BY 1",
        [(3, 1), (1, 1), (33, 1)],
    ),
}


@pytest.fixture(scope="module")
def con() -> Any:
    connection = duckdb.connect(":memory:")
    connection.register("txns", TXNS)
    connection.register("merchants", MERCHANTS)
    return connection


@pytest.mark.parametrize("case", CASES)
def test_counted_query_returns_the_same_rows_and_the_counts(con: Any, case: str) -> None:
    query, counts = CASES[case]
    lineage = analyze(query, SCHEMAS, entity_keys=KEYS)
    assert lineage.aggregate, lineage.reason
    assert lineage.entities_counted
    assert lineage.counted_query is not None
    original = con.sql(query)
    counted = con.sql(lineage.counted_query)
    width = len(original.columns)
    assert counted.columns[:width] == original.columns
    assert counted.columns[width:] == ["__lab_rows", "__lab_entities"]
    got = counted.fetchall()
    assert [row[:width] for row in got] == original.fetchall()
    assert [row[width:] for row in got] == counts


def test_without_entity_keys_only_rows_are_counted(con: Any) -> None:
    query = "SELECT city, count(*) AS n FROM txns GROUP BY city ORDER BY city"
    lineage = analyze(query, SCHEMAS)
    assert lineage.aggregate and not lineage.entities_counted
    assert lineage.counted_query is not None
    assert con.sql(lineage.counted_query).fetchall() == [
        ("上海", 5, 5),
        ("北京", 1, 1),
        ("杭州", 40, 40),
    ]


def test_a_join_of_keyed_tables_counts_the_least_of_their_entities(con: Any) -> None:
    query = "SELECT count(*) AS n FROM txns t JOIN merchants m ON t.merchant_id < m.merchant_id"
    lineage = analyze(query, SCHEMAS, entity_keys=KEYS)
    assert lineage.counted_query is not None
    # 40×3 + 2×2 + 3×1 pairs; merchants 1..3 of txns meet merchants 2..4: three each side
    assert con.sql(lineage.counted_query).fetchall() == [(127, 127, 3)]


def test_an_entity_key_that_cannot_be_carried_fails_closed() -> None:
    """Dropping the key must not turn a merchant's 40 rows into 40 people: where the lab
    cannot carry the key (here through a UNION), the query is not proven aggregate."""
    query = (
        "WITH c AS (SELECT city FROM txns UNION ALL SELECT city FROM txns) "
        "SELECT city, count(*) AS n FROM c GROUP BY city"
    )
    lineage = analyze(query, SCHEMAS, entity_keys=KEYS)
    assert not lineage.aggregate
    assert "txns.merchant_id" in lineage.reason
    assert [c.kind for c in lineage.columns] == ["group_key", "aggregate"]


def test_a_branch_without_keyed_inputs_reports_its_rows_as_entities(con: Any) -> None:
    query = (
        "SELECT city, count(*) AS n FROM txns GROUP BY city "
        "UNION ALL SELECT 'range', count(*) FROM range(7) ORDER BY n"
    )
    lineage = analyze(query, SCHEMAS, entity_keys=KEYS)
    assert lineage.aggregate and lineage.entities_counted
    assert lineage.counted_query is not None
    assert con.sql(lineage.counted_query).fetchall() == [
        ("北京", 1, 1, 1),
        ("上海", 5, 5, 2),
        ("range", 7, 7, 7),
        ("杭州", 40, 40, 1),
    ]
