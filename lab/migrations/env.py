"""Alembic environment: the lab's tables plus the tables of the libraries it wires."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

from lab.db.schema import target_metadata

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError("run migrations through lab.db.migrate, which passes the engine")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
