"""Factories and tampering tools for the audit tests (plain functions, no fixtures)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Connection, Engine

from audit import AuditLog, Event, EventDraft
from audit.canonical import hash_row
from audit.schema import EVENT_COLUMNS, checkpoints_table, events_table

START = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@dataclass
class StepClock:
    """A clock that advances by `step` on every reading, from `now`."""

    now: datetime = START
    step: timedelta = field(default_factory=lambda: timedelta(milliseconds=1))

    def __call__(self) -> datetime:
        moment = self.now
        self.now += self.step
        return moment


def draft(**overrides: Any) -> EventDraft:
    values: dict[str, Any] = {
        "actor": "alice",
        "action": "dataset.read",
        "resource": "tenants/acme/datasets/merchants",
        "tenant": "acme",
        "zone": "sandbox",
        "decision": "allow",
        "outcome": "ok",
        "request_id": "req-1",
        "details": {"rows": 10, "sha256": "ab" * 32},
    }
    values.update(overrides)
    return EventDraft(**values)


def make_log(
    signer: Ed25519PrivateKey | None = KEY,
    *,
    every: int = 1000,
    seconds: float = 3600.0,
    clock: StepClock | None = None,
) -> AuditLog:
    return AuditLog(
        signer, checkpoint_every=every, checkpoint_seconds=seconds, clock=clock or StepClock()
    )


def fill(engine: Engine, log: AuditLog, n: int, **overrides: Any) -> list[Event]:
    """Append n varied events in one transaction."""
    drafts = [
        draft(
            actor=("alice", "bob", "system:worker")[i % 3],
            decision=("allow", "deny", None)[i % 3],
            details={"i": i, "note": "季度汇总"},
            **overrides,
        )
        for i in range(n)
    ]
    with engine.begin() as conn:
        return log.append_many(conn, drafts)


def rows(conn: Connection) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(sa.select(*EVENT_COLUMNS).order_by(events_table.c.seq))]


# -- tampering (what an attacker with write access to the database could do) ----------


def set_columns(conn: Connection, seq: int, **values: Any) -> None:
    conn.execute(events_table.update().where(events_table.c.seq == seq).values(**values))


def delete_events(conn: Connection, first: int, last: int | None = None) -> None:
    last = first if last is None else last
    conn.execute(events_table.delete().where(events_table.c.seq.between(first, last)))


def shift_seqs(conn: Connection, from_seq: int, delta: int) -> None:
    """Renumber events from `from_seq` on by `delta`, through negative numbers so that the
    primary key never collides mid-update (PostgreSQL checks it row by row)."""
    seq = events_table.c.seq
    conn.execute(events_table.update().where(seq >= from_seq).values(seq=-seq))
    conn.execute(events_table.update().where(seq < 0).values(seq=-seq + delta))


def insert_row(conn: Connection, row: Sequence[Any]) -> None:
    conn.execute(events_table.insert().values(dict(zip(_KEYS, row, strict=True))))


def forged_row(seq: int, prev_hash: str, **overrides: Any) -> tuple[Any, ...]:
    """A well-formed event row with a correct hash, as a careful forger would make it."""
    values: dict[str, Any] = {
        "seq": seq,
        "time": "2026-01-02T03:04:05.200000Z",
        "actor": "mallory",
        "action": "dataset.export",
        "resource": "tenants/acme/datasets/merchants",
        "tenant": "acme",
        "zone": "sandbox",
        "decision": "allow",
        "outcome": "ok",
        "request_id": None,
        "details": "{}",
        "prev_hash": prev_hash,
    }
    values.update(overrides)
    base = tuple(values[k] for k in _KEYS[:12])
    return (*base, hash_row(base))


def swap_contents(conn: Connection, a: int, b: int) -> None:
    ra, rb = (_row(conn, a), _row(conn, b))
    delete_events(conn, a)
    delete_events(conn, b)
    insert_row(conn, (a, *rb[1:]))
    insert_row(conn, (b, *ra[1:]))


def rechain(conn: Connection, from_seq: int) -> None:
    """Recompute hashes and links from `from_seq` on, as an attacker covering tracks would."""
    prev = _row(conn, from_seq - 1)[12] if from_seq > 1 else "0" * 64
    for row in rows(conn):
        if row[0] < from_seq:
            continue
        base = (*row[:11], prev)
        prev = hash_row(base)
        set_columns(conn, row[0], prev_hash=base[11], hash=prev)


def delete_checkpoints(conn: Connection, from_seq: int) -> None:
    conn.execute(checkpoints_table.delete().where(checkpoints_table.c.seq >= from_seq))


def set_checkpoint(conn: Connection, at: int, **values: Any) -> None:
    cp = checkpoints_table.c
    conn.execute(checkpoints_table.update().where(cp.seq == at).values(**values))


def _row(conn: Connection, seq: int) -> tuple[Any, ...]:
    found = conn.execute(sa.select(*EVENT_COLUMNS).where(events_table.c.seq == seq)).one()
    return tuple(found)


_KEYS = tuple(c.key for c in EVENT_COLUMNS)


# -- concurrency ---------------------------------------------------------------------


def append_worker(url: str, worker: int, count: int, batch: int, start: Any) -> None:
    """Body of one appending process (spawned): `count` events, `batch` per transaction."""
    from lab.db.engine import make_engine

    engine = make_engine(url)
    log = AuditLog(KEY, checkpoint_every=50, checkpoint_seconds=3600.0)
    start.wait(60)
    for first in range(0, count, batch):
        drafts = [
            draft(actor=f"worker-{worker}", details={"worker": worker, "i": i})
            for i in range(first, min(first + batch, count))
        ]
        with engine.begin() as conn:
            log.append_many(conn, drafts)
    engine.dispose()


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
