"""A throw-away PostgreSQL database per test run, on the server named by the environment.

The server defaults to the one this kind of machine runs at 127.0.0.1:5432 (user postgres,
trust auth); `LAB_TEST_POSTGRES_URL` names another. When no server answers, the tests that
need it are skipped with a message that says so.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import sqlalchemy as sa

SERVER_URL = os.environ.get(
    "LAB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# Each pytest-xdist worker is a run of its own on the same server: its databases carry its
# name (gw0, gw1, ...), so no two workers' names can meet, and leftovers say whose they are.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


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


_admin: sa.Engine | None = None
_dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-database")
_drops: list[Future[None]] = []
_blueprints: list[str] = []


def _server() -> sa.Engine:
    global _admin
    if _admin is None:
        _admin = sa.create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    return _admin


def _name(prefix: str) -> str:
    return f"{prefix}_{WORKER}_{secrets.token_hex(4)}"


def _create(name: str, template: str | None) -> str:
    copy = f' TEMPLATE "{template}"' if template else ""
    with _server().connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
    return SERVER_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop(name: str) -> None:
    with _server().connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def scratch_database(prefix: str, *, template: str | None = None) -> Iterator[str]:
    """Create a fresh database (a copy of `template` when given), yield its URL, drop it
    afterwards (with its connections). The drop happens in the background: a test does not
    wait for the server to remove files; `finish` waits for every drop."""
    name = _name(prefix)
    url = _create(name, template)
    try:
        yield url
    finally:
        _drops.append(_dropper.submit(_drop, name))


def blueprint_database(prefix: str) -> tuple[str, str]:
    """A database kept until `finish`, to be copied as a template: (name, URL)."""
    name = _name(prefix)
    url = _create(name, None)
    _blueprints.append(name)
    return name, url


def finish() -> None:
    """Wait for the background drops, then drop the blueprints (at the end of a run)."""
    for done in _drops:
        done.result()
    _drops.clear()
    for name in _blueprints:
        _drop(name)
    _blueprints.clear()
    if _admin is not None:
        _admin.dispose()
