"""Pooled PostgreSQL connections are checked at checkout without a round trip where the
answer is known: a connection the server closed is replaced, one idle too long is pinged,
and one used moments ago is handed out as it is."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from lab.db.engine import make_engine
from lab.db.liveness import check_at_checkout
from tests.postgres import SERVER_URL


@pytest.fixture
def database(postgres_url: str) -> str:
    """The run's PostgreSQL database: each test ends only backends of its own engine."""
    return postgres_url


@pytest.fixture
def server() -> Iterator[sa.Connection]:
    admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        yield conn
    admin.dispose()


def last_statement(server: sa.Connection, pid: int) -> str:
    """What the server last ran for backend `pid` (pg_stat_activity, updated as it runs)."""
    query = "SELECT query FROM pg_stat_activity WHERE pid = :pid"
    return str(server.execute(sa.text(query), {"pid": pid}).scalar_one())


def used_once(engine: sa.Engine) -> int:
    """Run a marked statement on the pool's one connection; return its backend's pid."""
    with engine.connect() as conn:
        pid = int(conn.exec_driver_sql("SELECT pg_backend_pid() AS marked").scalar_one())
    return pid


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_a_connection_used_moments_ago_is_handed_out_without_a_ping(
    database: str, server: sa.Connection, read_only: bool
) -> None:
    engine = make_engine(database, read_only=read_only, pool_size=1, max_overflow=0)
    try:
        pid = used_once(engine)
        before = last_statement(server, pid)  # the statement, or the reset on return
        with engine.connect() as conn:
            assert conn.connection.dbapi_connection.info.backend_pid == pid  # type: ignore[union-attr]
            assert last_statement(server, pid) == before  # nothing was sent at checkout
    finally:
        engine.dispose()


def test_a_connection_idle_too_long_is_pinged(database: str, server: sa.Connection) -> None:
    engine = sa.create_engine(database.replace("postgresql:", "postgresql+psycopg:", 1))
    check_at_checkout(engine, idle_seconds=0.05)
    try:
        pid = used_once(engine)
        before = last_statement(server, pid)
        time.sleep(0.1)
        with engine.connect():
            assert last_statement(server, pid) != before  # the ping ran since
    finally:
        engine.dispose()


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_a_connection_the_server_closed_is_replaced_at_checkout(
    database: str, server: sa.Connection, read_only: bool
) -> None:
    engine = make_engine(database, read_only=read_only, pool_size=1, max_overflow=0)
    try:
        pid = used_once(engine)
        server.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        gone = "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"
        while server.execute(sa.text(gone), {"pid": pid}).scalar_one():
            assert time.monotonic() < deadline, "the server did not end the backend"
            time.sleep(0.05)
        with engine.connect() as conn:  # no error: the pool noticed and reconnected
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != pid
    finally:
        engine.dispose()
