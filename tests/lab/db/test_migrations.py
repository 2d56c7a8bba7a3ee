"""The migrations build exactly the schema the models describe, on each backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from lab.db import migrate
from lab.db.engine import make_engine
from lab.db.schema import target_metadata


def test_upgrade_to_head_matches_the_models(metastore_url: str) -> None:
    engine = make_engine(metastore_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn)
            assert compare_metadata(context, target_metadata) == []
        migrate.upgrade(engine)  # a second run changes nothing
        migrate.require_current(engine)
    finally:
        engine.dispose()
