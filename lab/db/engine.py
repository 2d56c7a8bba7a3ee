"""Create the metastore engine with the settings each backend needs for correctness.

SQLite: write-ahead log, a generous busy timeout, foreign keys, full sync (a committed
audit event survives a power cut), and every transaction opened with `BEGIN IMMEDIATE`, so
that writers from several processes queue instead of failing on a lock upgrade. This
serialisation is what keeps the audit chain linear on SQLite. Writers wait for one another
on an OS file lock (`lab.db.write_queue`) before they ask SQLite, because SQLite's own
busy handler polls with sleeps of up to 100 ms: under load the lock would sit free while
every waiter slept, and those sleeps were the API's slowest requests.

PostgreSQL (psycopg 3): pooled connections, checked for life at checkout without a round
trip where it can be (`lab.db.liveness`); writers that need a linear order take
an advisory transaction lock (see `audit.store`). A read-only engine runs each statement
in its own read-only transaction (autocommit, `default_transaction_read_only`): under
PostgreSQL's read committed a multi-statement read sees a new snapshot per statement
anyway, so a look-up costs one round trip instead of three (BEGIN, SELECT, ROLLBACK),
and a write through it is refused, as on SQLite. A reader that needs one snapshot asks
for it (`isolation_level="REPEATABLE READ"`, as the policy engine does).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from lab.db.liveness import check_at_checkout
from lab.db.write_queue import QueuedWriter, write_queue_path


def make_engine(url: str, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """An engine for the metastore at `url` (sqlite:/// or postgresql+psycopg://).

    `read_only`: writes are refused. On SQLite transactions begin deferred: readers then
    never wait for the writer lock, so a component that only reads (the policy engine,
    token look-ups) cannot block behind, or deadlock with, a writing request. On
    PostgreSQL each statement is its own read-only transaction (see above).
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        connect_args: dict[str, Any] = {"timeout": 60, "check_same_thread": False}
        queue = None if read_only else write_queue_path(sa.engine.make_url(url).database)
        if queue is not None:
            connect_args["factory"] = QueuedWriter
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine, read_only=read_only, queue=queue)
        return engine
    if read_only:
        kwargs["isolation_level"] = "AUTOCOMMIT"
    engine = sa.create_engine(url, **kwargs)
    check_at_checkout(engine)
    if read_only:

        @event.listens_for(engine, "connect")
        def _read_only(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET SESSION default_transaction_read_only = on")

    return engine


def _configure_sqlite(engine: Engine, *, read_only: bool, queue: str | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if queue is not None:
            dbapi_connection.join_write_queue(queue)
        # Let us issue BEGIN ourselves (pysqlite's own transaction handling is off).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        # Deleted content (a shredded key) is overwritten, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if read_only:
            connection.exec_driver_sql("BEGIN")
            return
        writer = connection.connection.dbapi_connection
        if isinstance(writer, QueuedWriter):
            writer.wait_turn()  # released when this transaction commits or rolls back
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if isinstance(writer, QueuedWriter):
                writer.end_turn()
            raise
