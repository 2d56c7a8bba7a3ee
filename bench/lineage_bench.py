"""The cost of the lineage analysis alone, per query, against sqlglot's parse alone (the
baseline, measured in the same run).

run_sql parses each query once (the static checks) and hands the tree to the analysis, so
the analysis figure is what lineage adds to a job: qualification, the judgement of each
level, and the counted rewrite. Goal: a few ms for ordinary queries.

Run: .venv/bin/python bench/lineage_bench.py [--runs 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import sqlglot

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobs.lineage.analyze import analyze  # noqa: E402

SCHEMAS = {
    "sales": {"merchant_id": "BIGINT", "city": "VARCHAR", "sales": "DOUBLE", "loans": "BIGINT"},
    "merchants": {"merchant_id": "BIGINT", "name": "VARCHAR", "sector": "VARCHAR"},
}
KEYS = {"sales": "merchant_id", "merchants": "merchant_id"}
QUERIES = {
    "simple GROUP BY": (
        "SELECT city, count(*) AS n, avg(sales) AS avg_sales FROM sales GROUP BY city"
    ),
    "3 CTEs": (
        "WITH big AS (SELECT * FROM sales WHERE sales > 1000), "
        "joined AS (SELECT b.city, m.sector, b.sales FROM big b JOIN merchants m "
        "USING (merchant_id)), "
        "per AS (SELECT city, sector, count(*) AS n, round(avg(sales), 2) AS mean "
        "FROM joined GROUP BY ALL) "
        "SELECT sector, sum(n) AS n, max(mean) AS top FROM per GROUP BY sector ORDER BY n DESC"
    ),
    "UNION of 4": " UNION ".join(
        f"SELECT '{label}' AS k, count(*) AS n, sum(sales) AS s FROM sales WHERE loans = {i}"
        for i, label in enumerate("abcd")
    ),
}


def median_ms(function: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    for name, query in QUERIES.items():
        tree = sqlglot.parse_one(query, read="duckdb")
        lineage = analyze(tree, SCHEMAS, entity_keys=KEYS)
        assert lineage.aggregate, (name, lineage.reason)
        parse = median_ms(lambda q=query: sqlglot.parse_one(q, read="duckdb"), args.runs)
        alone = median_ms(lambda t=tree: analyze(t, SCHEMAS, entity_keys=KEYS), args.runs)
        print(
            f"{name:16} parse {parse:6.2f} ms  analysis alone {alone:6.2f} ms "
            f"({alone / parse:.1f}x parse)"
        )


if __name__ == "__main__":
    main()
