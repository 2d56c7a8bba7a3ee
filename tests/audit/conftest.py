"""Database engines for the audit tests: every storage test runs on SQLite and PostgreSQL.

SQLite: a file in the test's tmp_path, opened with the lab's engine settings (WAL,
synchronous=FULL, BEGIN IMMEDIATE). PostgreSQL: the test run's database (`postgres_url`
in tests/conftest.py); each test gets empty audit tables. If the server does not answer,
the PostgreSQL variants are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from audit.store import metadata
from lab.db.engine import make_engine


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
