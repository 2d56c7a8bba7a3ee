"""Queue operations on work items. The caller owns the transaction, except `claim` and
`heartbeat`, which must commit at once to mean anything and take a session factory."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from lab.db.base import utcnow
from lab.errors import Conflict, NotFound
from lab.work.models import CANCELLED, ENDED, FAILED, QUEUED, RUNNING, WorkItem
from lab.work.statuses import WorkStatus

MAX_ATTEMPTS = 3
"""Runs an item gets when its workers keep dying (LAB_REQUEUE_EXPIRED_WORK): then it fails."""


def new_item_id() -> str:
    return secrets.token_hex(8)


def submit(
    session: Session,
    *,
    kind: str,
    tenant: str,
    zone: str,
    name: str,
    submitter: str,
    spec: dict[str, Any],
    item_id: str | None = None,
) -> WorkItem:
    """Queue an item. `item_id`: one taken earlier with `new_item_id`, when files had to be
    put in its workspace before the (short) transaction that queues it."""
    item = WorkItem(
        id=item_id or new_item_id(),
        kind=kind,
        tenant=tenant,
        zone=zone,
        name=name,
        submitter=submitter,
        spec=spec,
        result={},
        state=QUEUED,
        status=WorkStatus.QUEUED.value,
        created_at=utcnow(),
    )
    session.add(item)
    session.flush()
    return item


def get_item(
    session: Session,
    item_id: str,
    *,
    tenant: str | None = None,
    kind: str | None = None,
    zone: str | None = None,
) -> WorkItem:
    """The item, if it is of that tenant, kind and zone (where given); else NotFound."""
    item = session.get(WorkItem, item_id)
    expected = {"tenant": tenant, "kind": kind, "zone": zone}
    if item is None or any(v is not None and getattr(item, k) != v for k, v in expected.items()):
        raise NotFound(f"no {kind or 'work item'} {item_id!r}")
    return item


def list_items(
    session: Session,
    *,
    tenant: str,
    kind: str | None = None,
    zone: str | None = None,
    limit: int = 100,
) -> list[WorkItem]:
    """The tenant's newest items (of that kind and zone, where given). The zone is a
    condition of the query, not a filter after it: the newest 100 of every zone could
    otherwise hide all of one zone's items."""
    query = sa.select(WorkItem).where(WorkItem.tenant == tenant)
    if kind is not None:
        query = query.where(WorkItem.kind == kind)
    if zone is not None:
        query = query.where(WorkItem.zone == zone)
    return list(session.scalars(query.order_by(WorkItem.created_at.desc()).limit(limit)))


def claim(
    sessions: sessionmaker[Session],
    worker: str,
    kinds: Sequence[str],
    *,
    lease: timedelta,
    only: str | None = None,
) -> WorkItem | None:
    """Give the oldest queued item of `kinds` (or the item `only`) to `worker`, or None.
    Exactly one claimant wins: PostgreSQL skips rows another transaction has locked; SQLite
    serialises writers."""
    query = sa.select(WorkItem).where(WorkItem.state == QUEUED, WorkItem.kind.in_(list(kinds)))
    if only is not None:
        query = query.where(WorkItem.id == only)
    with sessions.begin() as session:
        candidate = session.scalar(
            query.order_by(WorkItem.created_at, WorkItem.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if candidate is None:
            return None
        now = utcnow()
        candidate.state = RUNNING
        candidate.status = WorkStatus.RUNNING.value
        candidate.worker = worker
        candidate.attempts += 1
        if candidate.attempts > 1:  # requeued: its message told why the last run ended
            candidate.message = (
                f"attempt {candidate.attempts} of {MAX_ATTEMPTS}: running again after the "
                "previous worker stopped heartbeating"
            )
        candidate.started_at = now
        candidate.heartbeat_at = now
        candidate.lease_until = now + lease
        session.flush()
        session.expunge(candidate)
        return candidate


def heartbeat(
    sessions: sessionmaker[Session],
    item_id: str,
    worker: str,
    *,
    lease: timedelta,
    progress: int | None = None,
    status: str | None = None,
) -> bool:
    """Renew the lease; return True if the item was cancelled (the worker should stop).

    False also when the lease was lost (expired and taken over): the caller stops then too,
    which `still_owned` tells apart."""
    with sessions.begin() as session:
        item = session.get(WorkItem, item_id, with_for_update=True)
        if item is None or item.worker != worker or item.state != RUNNING:
            return True
        now = utcnow()
        item.heartbeat_at = now
        item.lease_until = now + lease
        if progress is not None:
            item.progress = progress
        if status is not None:
            item.status = status[:60]
        return item.cancel_requested


def finish(
    session: Session,
    item_id: str,
    worker: str,
    *,
    state: str,
    status: str,
    message: str = "",
    result: dict[str, Any] | None = None,
    progress: int | None = None,
) -> bool:
    """Record the end, with the progress last reported (a heartbeat may not have carried
    it: a short item ends before its first beat); False if this worker no longer owns the
    item (its lease expired)."""
    item = session.get(WorkItem, item_id, with_for_update=True)
    if item is None or item.worker != worker or item.state != RUNNING:
        return False
    if item.cancel_requested and state == FAILED:
        state, status = CANCELLED, WorkStatus.CANCELLED.value
    item.state = state
    item.status = status[:60]
    item.message = message[:2000]
    item.result = result or {}
    if progress is not None:
        item.progress = progress
    item.finished_at = utcnow()
    item.lease_until = None
    session.flush()
    return True


def cancel(session: Session, item_id: str, *, tenant: str, kind: str, zone: str) -> WorkItem:
    """Cancel a queued item at once; ask a running one to stop (its worker sees it).

    Tenant, kind and zone are all required: the caller was authorized for one zone and one
    kind of thing, and an item of another zone or kind must be as absent as a missing one
    (a sandbox engineer naming a production job's id finds nothing to cancel)."""
    item = get_item(session, item_id, tenant=tenant, kind=kind, zone=zone)
    if item.state in ENDED:
        raise Conflict(f"{kind} {item_id!r} already {item.state}")
    item.cancel_requested = True
    if item.state == QUEUED:
        item.state, item.status, item.finished_at = CANCELLED, WorkStatus.CANCELLED.value, utcnow()
    session.flush()
    return item


def expire_leases(
    session: Session,
    *,
    now: datetime | None = None,
    requeue: bool = False,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[WorkItem]:
    """Items whose worker stopped heartbeating: failed (or requeued, by setting)."""
    moment = now or utcnow()
    stale = list(
        session.scalars(
            sa.select(WorkItem)
            .where(WorkItem.state == RUNNING, WorkItem.lease_until < moment)
            .with_for_update(skip_locked=True)
        )
    )
    for item in stale:
        lost = f"worker {item.worker} stopped heartbeating; lease expired"
        if requeue and item.attempts < max_attempts:
            item.state, item.status = QUEUED, WorkStatus.REQUEUED.value
            item.message = (
                f"worker {item.worker} stopped heartbeating after attempt {item.attempts} of "
                f"{max_attempts}; queued to run again"
            )
        else:
            item.state, item.status, item.message = FAILED, WorkStatus.LEASE_EXPIRED.value, lost
            item.finished_at = moment
        item.worker, item.lease_until = None, None
    session.flush()
    return stale
