"""The SQL source on PostgreSQL (a scratch database, dropped afterwards) and on SQLite:
types, server-side streaming, read-only queries, and no credentials in lineage."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa

from connectors.errors import SourceError, SpecError
from connectors.sources import open_source
from connectors.sources._sqlcheck import check_select_only
from connectors.sources.sql import SqlSource
from tests.postgres import scratch_database, server_answers

ROWS = 2_500

CREATE = """
CREATE TABLE merchants (
    id integer PRIMARY KEY,
    name text,
    id_number varchar(18),
    sales numeric(12, 2),
    ratio numeric,
    score double precision,
    registered date,
    updated timestamptz,
    active boolean,
    extra jsonb,
    small smallint
)
"""
FILL = """
INSERT INTO merchants
SELECT g, '商户' || g, lpad(g::text, 18, '0'), g * 1.25, g / 3.0, g * 0.5,
       date '2020-01-01' + g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour',
       mod(g, 2) = 0, jsonb_build_object('g', g), mod(g, 7)
FROM generate_series(1, {rows}) AS g
"""


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    why_not = server_answers()
    if why_not:
        pytest.skip(why_not)
    with scratch_database("conn_test") as url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql(CREATE)
            conn.exec_driver_sql(FILL.format(rows=ROWS))
            conn.exec_driver_sql("CREATE SEQUENCE counter")
        engine.dispose()
        yield url


def _read(source: SqlSource, batch_rows: int = 65_536) -> pa.Table:
    return pa.Table.from_batches(list(source.batches(batch_rows)), schema=source.schema())


@pytest.mark.postgres
def test_postgres_table_types_and_values(pg_url: str) -> None:
    source = open_source({"kind": "sql", "url": pg_url, "table": "public.merchants"})
    schema = source.schema()
    assert dict(zip(schema.names, schema.types, strict=True)) == {
        "id": pa.int32(),
        "name": pa.string(),
        "id_number": pa.string(),
        "sales": pa.decimal128(12, 2),
        "ratio": pa.float64(),
        "score": pa.float64(),
        "registered": pa.date32(),
        "updated": pa.timestamp("us", tz="UTC"),
        "active": pa.bool_(),
        "extra": pa.string(),
        "small": pa.int16(),
    }
    table = _read(source).sort_by("id")  # type: ignore[arg-type]
    first = table.slice(0, 1).to_pylist()[0]
    assert first["name"] == "商户1"
    assert first["id_number"] == "000000000000000001"
    assert first["sales"] == decimal.Decimal("1.25")
    assert first["registered"] == dt.date(2020, 1, 2)
    assert first["updated"] == dt.datetime(2024, 1, 1, 1, tzinfo=dt.UTC)
    assert first["extra"] == '{"g": 1}'
    assert table.num_rows == ROWS
    assert source.describe()["rows"] == ROWS


@pytest.mark.postgres
def test_postgres_streams_through_a_server_side_cursor(pg_url: str) -> None:
    url = pg_url + "?application_name=conn_test_stream"
    source = SqlSource(url=url, query="SELECT id, name FROM merchants ORDER BY id")
    batches = source.batches(1000)
    assert next(batches).num_rows == 1000
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        activity = conn.exec_driver_sql(
            "SELECT query FROM pg_stat_activity WHERE application_name = 'conn_test_stream'"
        ).scalar_one()
    engine.dispose()
    assert activity.startswith("FETCH FORWARD")  # rows come 1000 at a time from a cursor
    assert [b.num_rows for b in batches] == [1000, 500]


@pytest.mark.postgres
def test_postgres_query_and_lineage(pg_url: str) -> None:
    query = "SELECT id, name, sales FROM merchants WHERE name LIKE '商户1%%' AND id < 20"
    source = SqlSource(url=pg_url.replace("postgres@", "postgres:s3cret@"), query=query)
    table = _read(source)
    assert sorted(table.column("id").to_pylist()) == [1, *range(10, 20)]
    facts = source.describe()
    assert "s3cret" not in repr(facts) and "postgres:" not in repr(facts)
    assert facts["query_sha256"] == hashlib.sha256(query.encode()).hexdigest()
    assert facts["tables"] == ["merchants"] and query not in repr(facts)
    assert facts["rows"] == 11


@pytest.mark.postgres
def test_postgres_empty_result_has_a_schema(pg_url: str) -> None:
    source = SqlSource(url=pg_url, query="SELECT id, sales FROM merchants WHERE false")
    assert source.schema().types == [pa.int32(), pa.decimal128(12, 2)]
    assert list(source.batches()) == []


@pytest.mark.postgres
def test_postgres_read_only_transaction_stops_writes_the_parser_lets_through(
    pg_url: str,
) -> None:
    source = SqlSource(url=pg_url, query="SELECT nextval('counter')")
    with pytest.raises(SourceError, match="read-only transaction"):
        list(source.batches())


@pytest.mark.postgres
def test_postgres_errors_are_source_errors(pg_url: str) -> None:
    with pytest.raises(SourceError, match="table 'nowhere' not found"):
        SqlSource(url=pg_url, table="nowhere").schema()
    with pytest.raises(SourceError, match="refused the read"):
        SqlSource(url=pg_url, query="SELECT missing FROM merchants").schema()
    with pytest.raises(SourceError, match="refused the read"):
        SqlSource(url="postgresql+psycopg://postgres@127.0.0.1:1/x", table="t").schema()


def test_sqlite_table_and_query(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE m (id INTEGER, name TEXT, amount REAL, note TEXT)")
        conn.exec_driver_sql(
            "INSERT INTO m VALUES (1, '张三', 1.5, NULL), (2, '李四', NULL, '50%'), "
            "(3, NULL, 3, 'x')"
        )
    engine.dispose()
    source = SqlSource(url=url, table="m")
    table = _read(source, batch_rows=2)
    assert table.schema.types == [pa.int64(), pa.string(), pa.float64(), pa.string()]
    assert table.column("name").to_pylist() == ["张三", "李四", None]
    assert table.column("note").to_pylist() == [None, "50%", "x"]
    query = SqlSource(url=url, query="SELECT name FROM m WHERE note LIKE '50%'")
    assert _read(query).column("name").to_pylist() == ["李四"]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("DELETE FROM merchants", "only a SELECT"),
        ("INSERT INTO merchants SELECT * FROM merchants", "only a SELECT"),
        ("UPDATE merchants SET name = 'x'", "only a SELECT"),
        ("DROP TABLE merchants", "only a SELECT"),
        ("SELECT 1; DROP TABLE merchants", "not 2 statements"),
        ("SELECT 1; SELECT 2", "not 2 statements"),
        ("WITH d AS (DELETE FROM merchants RETURNING *) SELECT * FROM d", "DELETE"),
        ("SELECT * INTO copy FROM merchants", "INTO"),
        ("SELECT * FROM merchants FOR UPDATE", "LOCK"),
        ("COPY merchants TO '/tmp/x'", "only a SELECT"),
        ("", "empty"),
        ("SELEC 1 FROM", "cannot be parsed"),
    ],
)
def test_anything_but_one_select_is_refused(query: str, fragment: str) -> None:
    with pytest.raises(SpecError, match=fragment):
        SqlSource(url="postgresql+psycopg://u@h/db", query=query)


@pytest.mark.parametrize(
    ("query", "tables"),
    [
        ("SELECT * FROM merchants", ["merchants"]),
        ("SELECT 1", []),
        ("WITH x AS (SELECT * FROM s.a) SELECT * FROM x JOIN b ON true", ["b", "s.a"]),
        ("SELECT id FROM a UNION SELECT id FROM b", ["a", "b"]),
        ("SELECT * FROM t WHERE name = '张三'", ["t"]),
    ],
)
def test_selects_pass_and_name_their_tables(query: str, tables: list[str]) -> None:
    assert check_select_only(query, "postgresql") == tables


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"url": "not a url", "table": "t"}, "not a valid"),
        ({"url": "sqlite://", "table": "t", "query": "SELECT 1"}, "either 'table' or 'query'"),
        ({"url": "sqlite://"}, "either 'table' or 'query'"),
        ({"url": "sqlite://", "table": "a.b.c"}, "schema.name"),
    ],
)
def test_bad_specs(options: dict[str, str], fragment: str) -> None:
    with pytest.raises(SpecError, match=fragment):
        SqlSource(**options)
