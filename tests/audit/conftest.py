"""Database engines for the audit tests: every storage test runs on SQLite and PostgreSQL.

SQLite: a file in the test's tmp_path, opened with the lab's engine settings (WAL,
synchronous=FULL, BEGIN IMMEDIATE). PostgreSQL: one fresh database per test session on
the server named by LAB_TEST_POSTGRES_URL (default postgres@127.0.0.1:5432), dropped at
the end; each test gets empty audit tables. If the server does not answer, the
PostgreSQL variants are skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from audit.store import metadata
from lab.db.engine import make_engine

PG_ADMIN_URL = os.environ.get(
    "LAB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a database created for this session (skips if the server does not answer)."""
    admin_url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"audit_test_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        pytest.skip(f"PostgreSQL at {admin_url.host}:{admin_url.port} did not answer: {reason}")
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'audit.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine with empty audit tables, on SQLite or on PostgreSQL."""
    if request.param == "sqlite":
        engine = make_engine(sqlite_url(tmp_path))
    else:
        engine = make_engine(request.getfixturevalue("postgres_url"))
        metadata.drop_all(engine)
    metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
