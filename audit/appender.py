"""Group commit: many threads append, one thread writes, each batch is made durable once.

An event that records a decision (allow or deny) has no change to commit with; it needs a
transaction of its own. With one transaction per event, every request pays a durable
commit (an fsync) and, since the chain is linear, waits for every other request's commit
too: the log then caps the whole API at the disk's fsync rate.

`GroupAppender` keeps the guarantee and drops the queue: callers hand their draft to one
appender thread and wait; the thread takes everything that is pending, appends it with
`AuditLog.append_many` in one transaction (one chain lock, one head read, one insert),
commits once, and only then wakes each caller with its stored event. A caller therefore
never returns before its event is durable, and while one batch is being committed the
next one gathers. The chain stays linear across threads (one writer) and across
processes (each batch takes the chain lock like any other append: SQLite's write lock,
PostgreSQL's advisory lock).

A draft is checked in the caller's thread before it is queued, so a bad draft fails its
own caller only. If the batch's transaction fails (the database is unreachable), every
caller in that batch gets the error: none of their events was written.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from audit.canonical import canonical_details
from audit.event import Event, EventDraft
from audit.store import AuditLog

log = logging.getLogger("audit.appender")

MAX_BATCH = 1000
"""Most events in one transaction; what is left waits for the next batch."""


class AppendFailed(RuntimeError):
    """The event was not written: its batch could not be committed, or the appender is
    closed. The caller must not act as if it were recorded."""


@dataclass
class _Pending:
    draft: EventDraft
    done: threading.Event = field(default_factory=threading.Event)
    event: Event | None = None
    error: BaseException | None = None


@dataclass
class AppenderStats:
    events: int = 0
    batches: int = 0
    largest_batch: int = 0


class GroupAppender:
    """Appends drafts to `log` through `engine`, batching concurrent callers into one
    transaction each. Start it with `start()`, stop it with `close()` (pending events are
    written first)."""

    def __init__(self, log: AuditLog, engine: Engine, *, max_batch: int = MAX_BATCH) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._log = log
        self._engine = engine
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="audit-appender", daemon=True)
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self.stats = AppenderStats()

    def start(self) -> GroupAppender:
        self._thread.start()
        return self

    def append(self, draft: EventDraft) -> Event:
        """Queue `draft`, wait until the batch holding it is committed, return it as stored."""
        if not isinstance(draft, EventDraft):
            raise ValueError(f"expected an EventDraft, got {type(draft).__name__}")
        canonical_details(draft.details)  # a bad draft fails here, not in the batch
        if os.getpid() != self._pid:  # a forked child has the queue but not the thread
            raise AppendFailed("the audit appender belongs to the process that started it")
        pending = _Pending(draft)
        with self._lock:  # no draft slips in after the close marker
            if self._closed.is_set():
                raise AppendFailed("the audit appender is closed")
            self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise AppendFailed("the audit event could not be committed") from pending.error
        assert pending.event is not None
        return pending.event

    def close(self, timeout: float | None = 30.0) -> None:
        """Write what is pending, then stop the thread. Later appends raise."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
            self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with self._engine.begin() as conn:
                events = self._log.append_many(conn, [p.draft for p in batch])
        except BaseException as exc:  # every waiter must hear of it, whatever it is
            log.exception("audit batch of %d events failed", len(batch))
            for p in batch:
                p.error = exc
                p.done.set()
            return
        self.stats.events += len(batch)
        self.stats.batches += 1
        self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
        for p, event in zip(batch, events, strict=True):
            p.event = event
            p.done.set()
