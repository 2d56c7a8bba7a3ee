"""Writers to a SQLite metastore take turns on a file lock: held for exactly a write
transaction, released however it ends, never taken by readers."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lab.db.engine import make_engine
from lab.db.write_queue import QueuedWriter, write_queue_path


@pytest.fixture
def metastore(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    path = tmp_path / "m.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    engine.dispose()
    yield url, Path(f"{path}-writers")


def queue_is_free(lock_file: Path) -> bool:
    """Whether another process could take the writers' turn right now."""
    fd = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the lock if we took it
    return True


def test_a_write_transaction_holds_the_turn_until_commit(metastore: tuple[str, Path]) -> None:
    url, lock_file = metastore
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert not queue_is_free(lock_file)
    assert queue_is_free(lock_file)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1


def test_the_turn_ends_with_a_rollback(metastore: tuple[str, Path]) -> None:
    url, lock_file = metastore
    engine = make_engine(url)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        raise RuntimeError("the request failed")
    assert queue_is_free(lock_file)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0


def test_the_turn_ends_when_begin_itself_fails(metastore: tuple[str, Path]) -> None:
    url, lock_file = metastore
    holder = make_engine(url)
    # Another writer holds SQLite's own lock without queueing (an old client, sqlite3 CLI).
    raw = holder.raw_connection()
    raw.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
    impatient = make_engine(url)

    @sa.event.listens_for(impatient, "connect")
    def _impatient(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    with pytest.raises(sa.exc.OperationalError, match="locked"), impatient.begin():
        pass
    assert queue_is_free(lock_file)
    raw.driver_connection.rollback()  # type: ignore[union-attr]
    raw.close()


def test_a_second_writer_waits_for_the_first_to_commit(metastore: tuple[str, Path]) -> None:
    url, _ = metastore
    first, second = make_engine(url), make_engine(url)
    order: list[str] = []
    started = threading.Event()

    def write_later() -> None:
        started.set()
        with second.begin() as conn:
            order.append("second began")
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")

    with first.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        thread = threading.Thread(target=write_later)
        thread.start()
        started.wait()
        thread.join(0.3)  # it is queued, not running
        order.append("first committing")
    thread.join(10)
    assert order == ["first committing", "second began"]


def test_readers_never_queue(metastore: tuple[str, Path]) -> None:
    url, lock_file = metastore
    writer, reader = make_engine(url), make_engine(url, read_only=True)
    with writer.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with reader.connect() as read:  # would hang if readers took a turn
            assert read.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    with reader.begin() as read:
        read.exec_driver_sql("SELECT 1")
        assert queue_is_free(lock_file)


def test_a_waiter_gives_up_queueing_after_its_patience(metastore: tuple[str, Path]) -> None:
    url, lock_file = metastore
    engine = make_engine(url)
    fd = os.open(lock_file, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a writer elsewhere that never lets go
    try:
        raw = engine.raw_connection()
        writer = raw.driver_connection
        assert isinstance(writer, QueuedWriter)
        assert writer.wait_turn(patience=0.05) is False
        raw.close()
    finally:
        os.close(fd)


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        ("/lab/metastore.db", "/lab/metastore.db-writers"),
        (":memory:", None),
        ("", None),
        (None, None),
        ("file:x?mode=memory", None),
    ],
)
def test_where_the_queue_lives(database: str | None, expected: str | None) -> None:
    assert write_queue_path(database) == expected
