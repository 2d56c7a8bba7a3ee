"""Writers to one SQLite metastore take turns on an OS file lock, across threads and processes.

SQLite admits one writer at a time; the others retry from its busy handler, which sleeps
1, 2, 5, 10 … up to 100 ms between tries. Under load a waiter keeps sleeping after the lock
was freed, and a request that lost a few rounds waited hundreds of milliseconds for a lock
that was free most of that time. Here a waiter tries the file lock every millisecond or
two, and the kernel frees the lock if its holder dies. Only writers queue (the API's
reads use a read-only engine), and the audit appender batches a process's decisions into
one writer, so there are few waiters and the polling is cheap.

A waiter gives up queueing after `PATIENCE_SECONDS` and asks SQLite anyway, whose busy
timeout then decides: a writer that waits for itself (a transaction that needs another
write transaction to finish first) fails as it always did instead of hanging.

Each connection opens the lock file on its own, so its lock conflicts with every other
connection's, in this process or another (flock locks belong to an open file description).
A turn begins just before `BEGIN IMMEDIATE` and ends after `COMMIT` or `ROLLBACK`, so it
covers the whole write transaction and nothing more; SQLite's own lock stays the guard.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time

PATIENCE_SECONDS = 60.0
"""The longest a writer waits for its turn before it leaves the choice to SQLite."""
_FIRST_PAUSE, _LONGEST_PAUSE = 0.0005, 0.002


def write_queue_path(database: str | None) -> str | None:
    """The lock file beside a metastore file; none for an in-memory database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writers"


class QueuedWriter(sqlite3.Connection):
    """A SQLite connection that waits for its turn before it writes."""

    _queue_fd: int = -1
    _holding: bool = False

    def join_write_queue(self, path: str) -> None:
        self._queue_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)

    def wait_turn(self, patience: float = PATIENCE_SECONDS) -> bool:
        """Take the turn (True), or give up after `patience` seconds (False)."""
        if self._queue_fd < 0 or self._holding:
            return self._holding
        deadline = time.monotonic() + patience
        pause = _FIRST_PAUSE
        while True:
            try:
                fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE)
                continue
            self._holding = True
            return True

    def end_turn(self) -> None:
        if self._holding:
            self._holding = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()
            if self._queue_fd >= 0:
                os.close(self._queue_fd)
                self._queue_fd = -1
