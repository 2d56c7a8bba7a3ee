"""The append-only log: `AuditLog` appends, checkpoints and reads inside the caller's
transaction.

The library never begins or commits: the caller passes a `Connection` in its own
transaction, so a change and the event that records it commit together or not at all.

Keeping one linear chain when several processes append at once:

- SQLite: the lab's engine opens every transaction with `BEGIN IMMEDIATE`, which takes
  the database's single write lock before the head is read, so appenders queue.
- PostgreSQL: `append` first takes a transaction-scoped advisory lock (`CHAIN_LOCK_KEY`),
  held until the caller commits or rolls back. Row locks cannot do this job: there is no
  row to lock in an empty log, and two transactions reading the same head would both
  compute seq N+1. Under READ COMMITTED each statement sees the rows committed before the
  lock was granted, so the head read after the lock is current. (Under REPEATABLE READ
  or SERIALIZABLE the snapshot may predate the lock; a concurrent append then fails on
  the primary key and the caller retries: never a fork, at worst an error.)
- Everywhere: `seq` is the primary key, so two appenders that somehow read the same
  head cannot both commit; the chain can fail loudly but never fork.

The head is read from the database on every append (`ORDER BY seq DESC LIMIT 1`, one
index probe) instead of being cached, because another process may have appended since.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import Connection

from audit.canonical import GENESIS_HASH, canonical_details, format_time, hash_row, parse_time
from audit.checkpoint import Checkpoint, key_id_of
from audit.event import Event, EventDraft
from audit.query import (
    MAX_PAGE,
    EventFilter,
    event_from_row,
    iter_events,
    select_events,
    select_latest,
)
from audit.schema import EVENT_COLUMNS, checkpoints_table, events_table, metadata

__all__ = ["CHAIN_LOCK_KEY", "AuditLog", "checkpoints_table", "events_table", "metadata"]

CHAIN_LOCK_KEY = 2632035063322188333
"""PostgreSQL advisory lock id of the chain: first 8 bytes of sha256(b"audit.store:chain-lock"),
as a signed 64-bit integer. Fixed, so every process and every version agree on it."""

_ev = events_table.c
_cp = checkpoints_table.c
_HEAD = sa.select(_ev.seq, _ev.hash).order_by(_ev.seq.desc()).limit(1)
_LAST_CHECKPOINT_TIME = sa.select(_cp.time).order_by(_cp.seq.desc()).limit(1).scalar_subquery()
# One round trip for what an append with a signer needs to know.
_HEAD_AND_CHECKPOINT_TIME = (
    sa.select(_ev.seq, _ev.hash, _LAST_CHECKPOINT_TIME).order_by(_ev.seq.desc()).limit(1)
)
_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)")


def utc_now() -> datetime:
    return datetime.now(UTC)


def lock_chain(conn: Connection) -> None:
    """Serialise appenders on PostgreSQL until the caller's transaction ends (see module)."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK, {"key": CHAIN_LOCK_KEY})


class AuditLog:
    """Appends events to the hash chain and signs checkpoints with `signer` if given.

    A checkpoint is written during an append when the new seq is a multiple of
    `checkpoint_every`, or when the newest checkpoint is older than `checkpoint_seconds`
    (or there is none yet). One instance may be shared by threads and used with any
    number of connections: it keeps no state about the log itself.
    """

    def __init__(
        self,
        signer: Ed25519PrivateKey | None = None,
        *,
        checkpoint_every: int = 1000,
        checkpoint_seconds: float = 300.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if checkpoint_every < 1:
            raise ValueError("checkpoint_every must be at least 1")
        if not checkpoint_seconds > 0:
            raise ValueError("checkpoint_seconds must be positive")
        self._signer = signer
        self._key_id = key_id_of(signer.public_key()) if signer is not None else None
        self._every = checkpoint_every
        self._max_age = timedelta(seconds=checkpoint_seconds)
        self._clock = clock

    @property
    def public_key(self) -> Ed25519PublicKey | None:
        """The key that verifies this log's checkpoints (None without a signer)."""
        return self._signer.public_key() if self._signer is not None else None

    @property
    def key_id(self) -> str | None:
        return self._key_id

    # -- writing -----------------------------------------------------------------------

    def append(self, conn: Connection, draft: EventDraft) -> Event:
        """Record one event in the caller's transaction and return it as stored.

        From here until the caller commits, other appenders wait (SQLite's write lock,
        PostgreSQL's chain lock), so append late in a transaction, not before slow work.
        """
        return self.append_many(conn, [draft])[0]

    def append_many(self, conn: Connection, drafts: Sequence[EventDraft]) -> list[Event]:
        """Record several events in order with one lock, one head read and one insert.

        This is the fast path: with one commit for the whole batch, the cost of making it
        durable (fsync) is paid once instead of once per event.
        """
        if not drafts:
            return []
        prepared = [_prepare(d) for d in drafts]  # validate everything before writing
        lock_chain(conn)
        seq, prev, last_checkpoint = self._head_for_append(conn)
        rows: list[dict[str, Any]] = []
        events: list[Event] = []
        for draft, details_json in prepared:
            seq += 1
            moment = self._clock()
            stamp = format_time(moment)
            values = (
                seq,
                stamp,
                draft.actor,
                draft.action,
                draft.resource,
                draft.tenant,
                draft.zone,
                draft.decision,
                draft.outcome,
                draft.request_id,
                details_json,
                prev,
            )
            prev = hash_row(values)
            row = (*values, prev)
            rows.append({col.key: value for col, value in zip(EVENT_COLUMNS, row, strict=True)})
            events.append(_event_from_values(row, draft, stamp))
        conn.execute(events_table.insert(), rows)
        self._checkpoint_after_append(conn, events, last_checkpoint)
        return events

    def checkpoint(self, conn: Connection) -> Checkpoint | None:
        """Sign the current head now. None if there is no signer or the log is empty.

        Idempotent: if this key already signed the head, that checkpoint is returned.
        """
        if self._signer is None:
            return None
        lock_chain(conn)
        seq, hash_ = self.head(conn)
        if seq == 0:
            return None
        existing = conn.execute(
            sa.select(_cp.seq, _cp.hash, _cp.time, _cp.signature, _cp.key_id).where(
                _cp.seq == seq, _cp.key_id == self._key_id
            )
        ).first()
        if existing is not None:
            return _checkpoint_from_row(existing)
        return self._write_checkpoints(conn, [(seq, hash_)])[0]

    def _head_for_append(self, conn: Connection) -> tuple[int, str, str | None]:
        """(seq, hash) of the head and the time of the newest checkpoint (if signing)."""
        if self._signer is None:
            return (*self.head(conn), None)
        row = conn.execute(_HEAD_AND_CHECKPOINT_TIME).first()
        if row is None:
            return 0, GENESIS_HASH, None
        return int(row[0]), str(row[1]), row[2]

    def _checkpoint_after_append(
        self, conn: Connection, events: list[Event], last_checkpoint: str | None
    ) -> None:
        if self._signer is None:
            return
        due = [(e.seq, e.hash) for e in events if e.seq % self._every == 0]
        last = events[-1]
        overdue = (
            last_checkpoint is None or self._clock() - parse_time(last_checkpoint) >= self._max_age
        )
        if overdue and (not due or due[-1][0] != last.seq):
            due.append((last.seq, last.hash))
        if due:
            self._write_checkpoints(conn, due)

    def _write_checkpoints(
        self, conn: Connection, heads: list[tuple[int, str]]
    ) -> list[Checkpoint]:
        assert self._signer is not None
        now = self._clock()
        made = [Checkpoint.sign(self._signer, seq, hash_, now) for seq, hash_ in heads]
        conn.execute(
            checkpoints_table.insert(),
            [c.to_dict() for c in made],
        )
        return made

    # -- reading -----------------------------------------------------------------------

    def head(self, conn: Connection) -> tuple[int, str]:
        """(last seq, last hash); (0, GENESIS_HASH) for an empty log."""
        row = conn.execute(_HEAD).first()
        return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))

    def get(self, conn: Connection, seq: int) -> Event | None:
        row = conn.execute(sa.select(*EVENT_COLUMNS).where(_ev.seq == seq)).first()
        return None if row is None else event_from_row(row)

    def query(
        self, conn: Connection, flt: EventFilter, *, after_seq: int = 0, limit: int = 100
    ) -> list[Event]:
        """One page of matching events in ascending seq; pass the last seq as `after_seq`."""
        return select_events(conn, flt, after_seq=after_seq, limit=limit)

    def latest(
        self, conn: Connection, flt: EventFilter, *, before_seq: int | None = None, limit: int = 100
    ) -> list[Event]:
        """The newest matching events, newest first; pass the last seq as `before_seq`."""
        return select_latest(conn, flt, before_seq=before_seq, limit=limit)

    def iter_events(
        self,
        conn: Connection,
        flt: EventFilter | None = None,
        *,
        after_seq: int = 0,
        batch: int = 1000,
    ) -> Iterator[Event]:
        """Every matching event, page by page, without holding them all in memory."""
        return iter_events(conn, flt or EventFilter(), after_seq=after_seq, batch=batch)

    def checkpoints(self, conn: Connection, limit: int = 100) -> list[Checkpoint]:
        """The newest `limit` checkpoints, newest first."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
        stmt = (
            sa.select(_cp.seq, _cp.hash, _cp.time, _cp.signature, _cp.key_id)
            .order_by(_cp.seq.desc(), _cp.key_id)
            .limit(limit)
        )
        return [_checkpoint_from_row(row) for row in conn.execute(stmt)]


def _prepare(draft: EventDraft) -> tuple[EventDraft, str]:
    if not isinstance(draft, EventDraft):
        raise ValueError(f"expected an EventDraft, got {type(draft).__name__}")
    # Re-encoded here: the draft was checked when made, but its details dict is mutable.
    return draft, canonical_details(draft.details)


def _event_from_values(row: tuple[Any, ...], draft: EventDraft, stamp: str) -> Event:
    return Event(
        seq=row[0],
        time=parse_time(stamp),
        actor=draft.actor,
        action=draft.action,
        resource=draft.resource,
        tenant=draft.tenant,
        zone=draft.zone,
        decision=draft.decision,
        outcome=draft.outcome,
        request_id=draft.request_id,
        details=_loads(row[10]),
        prev_hash=row[11],
        hash=row[12],
    )


def _loads(text: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(text)
    return value


def _checkpoint_from_row(row: Sequence[Any]) -> Checkpoint:
    seq, hash_, time, signature, key_id = row
    return Checkpoint(
        seq=int(seq), hash=hash_, time=parse_time(time), signature=signature, key_id=key_id
    )
