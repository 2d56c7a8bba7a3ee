"""run_sql with lineage: the lab's own counts come back aligned row for row with the user's
rows, under the user's own column names, and never as visible columns."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from jobs.engines.sql import SqlLimits, run_sql
from jobs.errors import EngineRefused
from tests.jobs.lineage.test_rewrite import MERCHANTS, TXNS
from tests.jobs.sql_fixtures import LIMITS

TABLES = {"txns": TXNS, "merchants": MERCHANTS}
KEYS = {"txns": "merchant_id", "merchants": "merchant_id"}


def test_contributors_align_with_rows(tmp_path: Path) -> None:
    result = run_sql(
        "SELECT city, kind, count(*)::DOUBLE AS n FROM txns GROUP BY ALL "
        "ORDER BY n DESC, city, kind",
        TABLES,
        limits=LIMITS,
        temp_dir=tmp_path / "work",
        entity_keys=KEYS,
    )
    assert result.lineage is not None and result.lineage.aggregate
    assert result.table.column_names == ["city", "kind", "n"]
    assert result.contributors is not None
    assert result.contributors.schema == pa.schema([("rows", pa.int64()), ("entities", pa.int64())])
    rows = result.table.to_pylist()
    counts = result.contributors.to_pylist()
    assert len(rows) == len(counts) == 5
    for row, count in zip(rows, counts, strict=True):
        assert count["rows"] == row["n"]
    # the merchant behind 40 rows is one entity
    assert counts[0] == {"rows": 20, "entities": 1}
    assert result.count_columns == ("n",)  # a count cast to DOUBLE is still a count


def test_names_are_the_users_own_even_where_the_rewrite_spells_them_otherwise(
    tmp_path: Path,
) -> None:
    query = (
        "SELECT city, approx_count_distinct(merchant_id), var_samp(amount), "
        "bool_and(amount > 0), count(*) FROM txns GROUP BY city ORDER BY city"
    )
    result = run_sql(query, TABLES, limits=LIMITS, temp_dir=tmp_path / "work")
    con = duckdb.connect(":memory:")
    con.register("txns", TXNS)
    expected = con.sql(query).to_arrow_table()
    assert result.table.column_names == expected.column_names
    assert result.table.to_pylist() == expected.to_pylist()
    assert result.contributors is not None
    assert result.contributors.column_names == ["rows"]
    assert result.contributors.column("rows").to_pylist() == [5, 1, 40]


def test_truncated_results_keep_the_counts_aligned(tmp_path: Path) -> None:
    result = run_sql(
        "SELECT amount, count(*) AS n FROM txns GROUP BY amount ORDER BY amount DESC",
        TABLES,
        limits=SqlLimits(wall_seconds=10, max_rows=3, memory_mb=256),
        temp_dir=tmp_path / "work",
        entity_keys=KEYS,
        truncate=True,
    )
    assert result.truncated and result.table.num_rows == 3
    assert result.contributors is not None
    assert result.contributors.to_pylist() == [{"rows": 1, "entities": 1}] * 3


def test_row_level_queries_carry_no_counts(tmp_path: Path) -> None:
    result = run_sql(
        "SELECT merchant_id AS label FROM txns LIMIT 3",
        TABLES,
        limits=LIMITS,
        temp_dir=tmp_path / "work",
        entity_keys=KEYS,
    )
    assert result.lineage is not None and not result.lineage.aggregate
    assert result.contributors is None
    assert result.table.column_names == ["label"]


def test_an_entity_key_outside_the_jobs_columns_fails_closed(tmp_path: Path) -> None:
    """Choosing input columns without the key must not evade the entity count."""
    query = "SELECT city, count(*) AS n FROM txns GROUP BY city ORDER BY city"
    narrowed = {"txns": ["city", "amount"]}
    result = run_sql(
        query,
        TABLES,
        limits=LIMITS,
        temp_dir=tmp_path / "work",
        entity_keys=KEYS,
        allowed_columns=narrowed,
    )
    assert result.lineage is not None and not result.lineage.aggregate
    assert "txns.merchant_id" in result.lineage.reason
    assert result.contributors is None
    unkeyed = run_sql(
        query, TABLES, limits=LIMITS, temp_dir=tmp_path / "work", allowed_columns=narrowed
    )
    assert unkeyed.contributors is not None
    assert unkeyed.contributors.to_pylist() == [{"rows": 5}, {"rows": 1}, {"rows": 40}]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(*) AS __lab_rows FROM txns",
        "SELECT city AS __LAB_x FROM txns",
        'SELECT "__lab_entities" FROM txns',
        "WITH __lab_t AS (SELECT 1) SELECT * FROM __lab_t",
        "SELECT x FROM (SELECT 1) AS t(__lab_rows, x)",
    ],
)
def test_reserved_names_are_refused(query: str, tmp_path: Path) -> None:
    with pytest.raises(EngineRefused, match="reserved"):
        run_sql(query, TABLES, limits=LIMITS, temp_dir=tmp_path / "work")
