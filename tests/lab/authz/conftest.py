"""Metastores for the authorization tests: SQLite in a temporary folder, and PostgreSQL.

PostgreSQL: the test run's database (`postgres_url` in tests/conftest.py); its tests are
skipped when no server answers. Between tests the policy tables are
emptied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from lab.authz.models import PolicyChangeRow, casbin_metadata, casbin_rule
from lab.db.base import Base, utcnow
from lab.db.engine import make_engine


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    casbin_metadata.create_all(engine)


def new_sqlite_url(factory: pytest.TempPathFactory) -> str:
    """A fresh SQLite metastore holding the policy tables."""
    url = f"sqlite:///{factory.mktemp('metastore') / 'metastore.db'}"
    engine = make_engine(url)
    create_schema(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def authz_postgres_url(postgres_url: str) -> str:
    """The test run's PostgreSQL database (tests/conftest.py), with the policy tables."""
    engine = make_engine(postgres_url)
    create_schema(engine)
    engine.dispose()
    return postgres_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty metastore holding the policy tables, on each backend."""
    if request.param == "sqlite":
        return new_sqlite_url(tmp_path_factory)
    url: str = request.getfixturevalue("authz_postgres_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = f"{casbin_rule.name}, {PolicyChangeRow.__tablename__}"
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY"))
    engine.dispose()
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    """A writing engine on the metastore (what the API's transactions use)."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def reader(db_url: str) -> Iterator[Engine]:
    """A read-only engine on the same metastore (what the policy engine is given)."""
    engine = make_engine(db_url, read_only=True)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(db: Engine) -> sessionmaker[Session]:
    return sessionmaker(db, expire_on_commit=False)


@pytest.fixture(scope="session")
def sqlite_metastore(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], str]:
    """Make a fresh SQLite metastore (for module-scoped set-ups); returns its URL."""
    return lambda: new_sqlite_url(tmp_path_factory)


@pytest.fixture(scope="session")
def write_lines() -> Callable[[Engine, Sequence[tuple[str, ...]]], None]:
    """Write casbin lines in bulk, unchecked, as one change (to set up large policies)."""
    return insert_lines


def insert_lines(engine: Engine, lines: Sequence[tuple[str, ...]], *, actor: str = "test") -> None:
    """Write casbin lines in bulk (no validation) plus one `seed` change, in one transaction."""
    rows = [
        {"ptype": ptype, **{f"v{i}": (vals[i] if i < len(vals) else None) for i in range(6)}}
        for ptype, *vals in lines
    ]
    with Session(engine) as session, session.begin():
        session.execute(sa.insert(casbin_rule), rows)
        version = session.scalar(
            sa.select(sa.func.coalesce(sa.func.max(PolicyChangeRow.version), 0))
        )
        session.add(
            PolicyChangeRow(
                version=int(version or 0) + 1,
                actor=actor,
                at=utcnow(),
                op="seed",
                item="{}",
            )
        )
