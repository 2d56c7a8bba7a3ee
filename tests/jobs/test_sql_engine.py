"""What the SQL engine is for: correct results over registered Arrow data, within limits."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from jobs.engines.sql import SqlLimits, run_sql
from jobs.errors import EngineRefused, LimitExceeded
from jobs.spec import Resources
from tests.jobs.sql_fixtures import LIMITS, LOANS, MERCHANTS, run


def test_aggregation(tmp_path: Path) -> None:
    result = run(
        "SELECT city, count(*) AS n, sum(monthly_sales) AS sales FROM merchants "
        "GROUP BY city ORDER BY city",
        tmp_path,
    )
    assert result.table.to_pylist() == [
        {"city": "上海", "n": 3, "sales": 240.0},
        {"city": "北京", "n": 1, "sales": 300.0},
        {"city": "杭州", "n": 2, "sales": 350.0},
    ]
    assert (result.rows, result.truncated) == (3, False)
    assert result.count_columns == ("n",)  # sum of a double is not a count
    assert result.elapsed > 0


def test_join_of_two_inputs(tmp_path: Path) -> None:
    result = run(
        "SELECT m.city, sum(l.amount) AS lent, count(DISTINCT m.merchant_id) AS borrowers "
        "FROM merchants m JOIN loans l USING (merchant_id) GROUP BY ALL ORDER BY lent DESC",
        tmp_path,
    )
    assert result.table.to_pylist() == [
        {"city": "上海", "lent": Decimal(70), "borrowers": 2},
        {"city": "北京", "lent": Decimal(50), "borrowers": 1},
        {"city": "杭州", "lent": Decimal(30), "borrowers": 1},
    ]
    # a sum of amounts is not a count (a sum of counts would be): only borrowers is rounded
    assert result.count_columns == ("borrowers",)
    assert result.lineage is not None and result.lineage.aggregate
    assert result.contributors is not None
    assert result.contributors.to_pylist() == [{"rows": 2}, {"rows": 1}, {"rows": 2}]


def test_window_functions(tmp_path: Path) -> None:
    result = run(
        "SELECT merchant_id, row_number() OVER (PARTITION BY city ORDER BY monthly_sales DESC) "
        "AS rank_in_city, sum(monthly_sales) OVER (PARTITION BY city) AS city_sales "
        "FROM merchants QUALIFY rank_in_city = 1 ORDER BY merchant_id",
        tmp_path,
    )
    assert result.table.to_pylist() == [
        {"merchant_id": 2, "rank_in_city": 1, "city_sales": 350.0},
        {"merchant_id": 4, "rank_in_city": 1, "city_sales": 240.0},
        {"merchant_id": 6, "rank_in_city": 1, "city_sales": 300.0},
    ]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("FROM merchants SELECT count(*) AS n", [{"n": 6}]),
        ("VALUES (1, 'a'), (2, 'b')", [{"col0": 1, "col1": "a"}, {"col0": 2, "col1": "b"}]),
        ("SELECT 1 AS x UNION ALL SELECT 2 ORDER BY x", [{"x": 1}, {"x": 2}]),
        ("SELECT sum(i) AS s FROM range(101) t(i)", [{"s": Decimal(5050)}]),
        ("SELECT unnest([3, 4]) AS v", [{"v": 3}, {"v": 4}]),
        (
            "WITH big AS (SELECT * FROM merchants WHERE monthly_sales > 100) "
            "SELECT count(*) AS n FROM big",
            [{"n": 3}],
        ),
        (
            "WITH merchants AS (SELECT * FROM merchants WHERE defaulted = 1) "
            "SELECT count(*) AS n FROM merchants",
            [{"n": 2}],
        ),
        (
            "SELECT * FROM (SELECT city, defaulted FROM merchants) "
            "PIVOT (count(*) FOR defaulted IN (0, 1)) ORDER BY city",
            [
                {"city": "上海", "0": 2, "1": 1},
                {"city": "北京", "0": 1, "1": 0},
                {"city": "杭州", "0": 1, "1": 1},
            ],
        ),
        ("SELECT '杭州' AS city, 'it''s; COPY' AS s", [{"city": "杭州", "s": "it's; COPY"}]),
        (
            "UNPIVOT (SELECT merchant_id, defaulted FROM merchants WHERE merchant_id = 2) "
            "ON defaulted INTO NAME k VALUE v",
            [{"merchant_id": 2, "k": "defaulted", "v": 1}],
        ),
    ],
    ids=[
        "from_first",
        "values",
        "union",
        "range",
        "unnest",
        "cte",
        "cte_shadows",
        "pivot",
        "text",
        "unpivot",
    ],
)
def test_query_forms(sql: str, expected: list[dict[str, object]], tmp_path: Path) -> None:
    assert run(sql, tmp_path).table.to_pylist() == expected


def test_dataset_and_reader_inputs(tmp_path: Path) -> None:
    pq.write_table(MERCHANTS, tmp_path / "m.parquet")
    dataset = pads.dataset(tmp_path / "m.parquet")
    reader = pa.RecordBatchReader.from_batches(LOANS.schema, LOANS.to_batches())
    result = run(
        "SELECT count(*) AS n FROM merchants JOIN loans USING (merchant_id) WHERE city = '上海'",
        tmp_path,
        tables={"merchants": dataset, "loans": reader},
    )
    assert result.table.to_pylist() == [{"n": 2}]


def test_allowed_columns_narrow_the_input(tmp_path: Path) -> None:
    pq.write_table(MERCHANTS, tmp_path / "m.parquet")
    allowed = {"merchants": ["city", "defaulted"]}
    for merchants in (MERCHANTS, pads.dataset(tmp_path / "m.parquet")):
        tables = {"merchants": merchants}
        result = run("SELECT * FROM merchants", tmp_path, tables=tables, allowed_columns=allowed)
        assert result.table.column_names == ["city", "defaulted"]
        with pytest.raises(EngineRefused, match="monthly_sales"):
            run(
                "SELECT monthly_sales FROM merchants",
                tmp_path,
                tables=tables,
                allowed_columns=allowed,
            )
    reader = pa.RecordBatchReader.from_batches(MERCHANTS.schema, MERCHANTS.to_batches())
    result = run(
        "SELECT * FROM merchants", tmp_path, tables={"merchants": reader}, allowed_columns=allowed
    )
    assert result.table.column_names == ["city", "defaulted"]


def test_allowed_columns_must_exist(tmp_path: Path) -> None:
    with pytest.raises(EngineRefused, match="no column nope"):
        run("SELECT 1 FROM merchants", tmp_path, allowed_columns={"merchants": ["nope"]})


def test_only_the_tables_the_query_reads_are_registered(tmp_path: Path) -> None:
    """A reader is consumed only by the query that reads it."""
    reader = pa.RecordBatchReader.from_batches(LOANS.schema, LOANS.to_batches())
    run(
        "SELECT count(*) FROM merchants", tmp_path, tables={"merchants": MERCHANTS, "loans": reader}
    )
    assert reader.read_all().num_rows == LOANS.num_rows


def test_row_cap_raises_by_default_and_truncates_on_request(tmp_path: Path) -> None:
    limits = SqlLimits(wall_seconds=5, max_rows=1000, memory_mb=64)
    with pytest.raises(LimitExceeded, match="more than 1000 rows"):
        run("SELECT * FROM range(5000)", tmp_path, limits=limits)
    result = run("SELECT * FROM range(100000000)", tmp_path, limits=limits, truncate=True)
    assert (result.rows, result.truncated, result.table.num_rows) == (1000, True, 1000)
    exact = run("SELECT * FROM range(1000)", tmp_path, limits=limits)
    assert (exact.rows, exact.truncated) == (1000, False)


def test_failures_name_the_problem_without_data_values(tmp_path: Path) -> None:
    people = pa.table({"name": ["Zhang San", "Li Si"], "id_number": ["110101199003071234", "x"]})
    cases = {
        "SELECT CAST(name AS INTEGER) FROM people": "Conversion Error: a value could not be",
        "SELECT strptime(name, '%Y') FROM people": "Invalid Input Error: a function was given",
        "SELECT id_number::BIGINT * 100000 FROM people": "the query failed while it ran",
        "SELECT nme FROM people": 'Referenced column "nme" not found',
    }
    for sql, says in cases.items():
        with pytest.raises(EngineRefused) as info:
            run(sql, tmp_path, tables={"people": people})
        assert says in info.value.message
        for value in ("Zhang", "Li Si", "110101199003071234", "11010119900307123400000"):
            assert value not in info.value.message, sql


def test_workspace_is_removed_after_success_and_failure(tmp_path: Path) -> None:
    run("SELECT count(*) FROM merchants", tmp_path)
    with pytest.raises(LimitExceeded):
        run(
            "SELECT count(*) FROM range(100000) a, range(100000) b",
            tmp_path,
            limits=SqlLimits(wall_seconds=0.3, max_rows=10, memory_mb=64),
        )
    assert list((tmp_path / "work").iterdir()) == []


def test_jobs_run_side_by_side(tmp_path: Path) -> None:
    results: list[int] = []

    def one(i: int) -> None:
        r = run_sql(
            f"SELECT count(*) + {i} AS n FROM merchants",
            {"merchants": MERCHANTS},
            limits=LIMITS,
            temp_dir=tmp_path / "work",
        )
        results.append(r.table.column("n")[0].as_py())

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [6 + i for i in range(8)]


def test_limits_from_the_spec_resources() -> None:
    limits = SqlLimits.from_resources(
        Resources(wall_seconds=60, memory_mb=512, cpus=2, max_rows=10)
    )
    assert limits == SqlLimits(wall_seconds=60.0, max_rows=10, memory_mb=512, threads=2)
    assert limits.spill_limit_mb == 2048
    with pytest.raises(ValueError, match="positive"):
        SqlLimits(wall_seconds=0, max_rows=1, memory_mb=1)


def test_non_arrow_input_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EngineRefused, match="not Arrow data"):
        run("SELECT * FROM merchants", tmp_path, tables={"merchants": [1, 2]})  # type: ignore[dict-item]
