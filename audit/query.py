"""Filtering and paging the trail for review.

Pages are keyset pages on `seq` (`WHERE seq > after_seq ORDER BY seq LIMIT n`): stable
while new events arrive, and as cheap on page 10,000 as on page 1, unlike OFFSET.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from audit.canonical import format_time, parse_time
from audit.event import DECISIONS, Event, check_action, check_text
from audit.schema import EVENT_COLUMNS, events_table

MAX_PAGE = 10_000


@dataclass(frozen=True)
class EventFilter:
    """Which events to return; every given field must match (AND).

    `action` is exact ("tenant.create") or a prefix ending in ".*" ("tenant.*" matches
    "tenant.create" and "tenant.member.add"). `since` is inclusive, `until` exclusive;
    both must be timezone-aware.
    """

    tenant: str | None = None
    actor: str | None = None
    action: str | None = None
    decision: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        check_text("tenant", self.tenant, required=False)
        check_text("actor", self.actor, required=False)
        if self.action is not None:
            check_action(self.action.removesuffix(".*"), name="action filter")
        if self.decision is not None and self.decision not in DECISIONS:
            raise ValueError(f"decision filter must be 'allow' or 'deny', got {self.decision!r}")
        for moment in (self.since, self.until):
            if moment is not None:
                format_time(moment)  # raises ValueError on a naive datetime

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        c = events_table.c
        out: list[sa.ColumnElement[bool]] = []
        if self.tenant is not None:
            out.append(c.tenant == self.tenant)
        if self.actor is not None:
            out.append(c.actor == self.actor)
        if self.action is not None:
            if self.action.endswith(".*"):
                # Actions are validated lower-case, so SQLite's case-insensitive LIKE
                # cannot over-match; autoescape keeps '_' literal.
                out.append(c.action.startswith(self.action[:-1], autoescape=True))
            else:
                out.append(c.action == self.action)
        if self.decision is not None:
            out.append(c.decision == self.decision)
        if self.since is not None:
            out.append(c.time >= format_time(self.since))
        if self.until is not None:
            out.append(c.time < format_time(self.until))
        return out


def event_from_row(row: Sequence[Any]) -> Event:
    """An `Event` from a row selected as `audit.schema.EVENT_COLUMNS`."""
    seq, time, actor, action, resource, tenant, zone, decision, outcome, rid, det, prev, h = row
    return Event(
        seq=seq,
        time=parse_time(time),
        actor=actor,
        action=action,
        resource=resource,
        tenant=tenant,
        zone=zone,
        decision=decision,
        outcome=outcome,
        request_id=rid,
        details=json.loads(det),
        prev_hash=prev,
        hash=h,
    )


def select_events(
    conn: Connection, flt: EventFilter, *, after_seq: int = 0, limit: int = 100
) -> list[Event]:
    """One page of events matching `flt` with seq > `after_seq`, in ascending seq order."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
    stmt = (
        sa.select(*EVENT_COLUMNS)
        .where(events_table.c.seq > after_seq, *flt.conditions())
        .order_by(events_table.c.seq)
        .limit(limit)
    )
    return [event_from_row(row) for row in conn.execute(stmt)]


def select_latest(
    conn: Connection, flt: EventFilter, *, before_seq: int | None = None, limit: int = 100
) -> list[Event]:
    """The newest `limit` events matching `flt` (with seq < `before_seq`, if given), newest
    first: what someone looking at the trail wants to see first."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
    where = list(flt.conditions())
    if before_seq is not None:
        where.append(events_table.c.seq < before_seq)
    stmt = sa.select(*EVENT_COLUMNS).where(*where).order_by(events_table.c.seq.desc()).limit(limit)
    return [event_from_row(row) for row in conn.execute(stmt)]


def iter_events(
    conn: Connection, flt: EventFilter, *, after_seq: int = 0, batch: int = 1000
) -> Iterator[Event]:
    """Every matching event with seq > `after_seq`, fetched page by page (for exports)."""
    while True:
        page = select_events(conn, flt, after_seq=after_seq, limit=batch)
        yield from page
        if len(page) < batch:
            return
        after_seq = page[-1].seq
