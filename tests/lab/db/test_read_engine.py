"""The metastore's read-only engine: writes through it are refused on both backends, and on
PostgreSQL a look-up holds no transaction open (one round trip, not BEGIN/SELECT/ROLLBACK),
while a reader that asks for one snapshot still gets it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lab.db.engine import make_engine


@pytest.fixture
def table(metastore_url: str) -> str:
    engine = make_engine(metastore_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    engine.dispose()
    return metastore_url


@pytest.mark.parametrize(
    "statement",
    ["INSERT INTO t VALUES (2)", "UPDATE t SET x = 3", "DELETE FROM t", "DROP TABLE t"],
)
def test_the_read_engine_refuses_writes(table: str, statement: str) -> None:
    reader = make_engine(table, read_only=True)
    try:
        with pytest.raises(sa.exc.DBAPIError), reader.connect() as conn:
            conn.exec_driver_sql(statement)
            conn.commit()
    finally:
        reader.dispose()
    writer = make_engine(table)
    with writer.connect() as conn:
        assert conn.exec_driver_sql("SELECT x FROM t").scalars().all() == [1]
    writer.dispose()


def test_a_postgres_look_up_leaves_no_transaction_open(postgres_url: str) -> None:
    """(On SQLite a read begins a deferred transaction, which takes no lock.)"""
    writer = make_engine(postgres_url)
    with writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS read_probe (x INTEGER)")
        conn.exec_driver_sql("DELETE FROM read_probe")
        conn.exec_driver_sql("INSERT INTO read_probe VALUES (1)")
    writer.dispose()
    reader = make_engine(postgres_url, read_only=True)
    try:
        with reader.connect() as conn:
            assert conn.exec_driver_sql("SELECT x FROM read_probe").scalar() == 1
            status = conn.connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]
            assert status.name == "IDLE"
        with reader.connect() as conn:
            snapshot = conn.execution_options(isolation_level="REPEATABLE READ")
            assert snapshot.exec_driver_sql("SHOW transaction_isolation").scalar() == (
                "repeatable read"
            )
            status = conn.connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]
            assert status.name == "INTRANS"
        with reader.connect() as conn:  # the pool hands it back in autocommit again
            assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"
            status = conn.connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]
            assert status.name == "IDLE"
    finally:
        reader.dispose()
