"""A throw-away PostgreSQL database per test run, on the server named by the environment.

The server defaults to the one this kind of machine runs at 127.0.0.1:5432 (user postgres,
trust auth); `LAB_TEST_POSTGRES_URL` names another. When no server answers, the tests that
need it are skipped with a message that says so.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

SERVER_URL = os.environ.get(
    "LAB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def server_answers() -> str | None:
    """None if the server answers, else why not."""
    engine = sa.create_engine(SERVER_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except Exception as exc:  # any failure means: no usable server
        return f"no PostgreSQL answers at {SERVER_URL}: {type(exc).__name__}: {exc}"[:300]
    finally:
        engine.dispose()


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """Create a fresh database, yield its URL, drop it afterwards (with its connections)."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield SERVER_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
