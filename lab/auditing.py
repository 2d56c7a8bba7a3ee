"""The lab's hand on the audit library: one `record` call with the lab's vocabulary.

Events written through `record` join the caller's transaction, so a change and the event
that describes it commit (or vanish) together. Authorization decisions have no change to
commit with: `record_alone` hands them to the process's group-commit appender
(`audit.appender`), which writes the events of concurrent requests in one transaction and
returns only once the caller's event is durable. So a denial is kept even when the request
then fails, and a thousand requests in flight cost one fsync per batch, not one each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from audit import AuditLog, Event, EventDraft, GroupAppender


@dataclass(frozen=True)
class Actor:
    """Who performs an action, and under which request id it is recorded."""

    name: str
    request_id: str | None = None


class Auditor:
    def __init__(self, log: AuditLog, appender: GroupAppender) -> None:
        self.log = log
        self.appender = appender

    def record(
        self,
        session: Session,
        *,
        actor: str,
        action: str,
        resource: str,
        tenant: str | None = None,
        zone: str | None = None,
        decision: str | None = None,
        outcome: str = "ok",
        request_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Event:
        """Record an event in the caller's transaction."""
        draft = _draft(
            actor, action, resource, tenant, zone, decision, outcome, request_id, details
        )
        return self.log.append(session.connection(), draft)

    def record_alone(
        self,
        *,
        actor: str,
        action: str,
        resource: str,
        tenant: str | None = None,
        zone: str | None = None,
        decision: str | None = None,
        outcome: str = "ok",
        request_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Event:
        """Record an event on its own; it is durable when this returns (group commit)."""
        draft = _draft(
            actor, action, resource, tenant, zone, decision, outcome, request_id, details
        )
        return self.appender.append(draft)

    def change(
        self,
        session: Session,
        who: Actor,
        action: str,
        resource: str,
        *,
        tenant: str | None = None,
        zone: str | None = None,
        outcome: str = "ok",
        details: Mapping[str, Any] | None = None,
    ) -> Event:
        """Record a change made by `who`, under its request id, in the caller's transaction."""
        return self.record(
            session,
            actor=who.name,
            action=action,
            resource=resource,
            tenant=tenant,
            zone=zone,
            outcome=outcome,
            request_id=who.request_id,
            details=details,
        )


def _draft(
    actor: str,
    action: str,
    resource: str,
    tenant: str | None,
    zone: str | None,
    decision: str | None,
    outcome: str,
    request_id: str | None,
    details: Mapping[str, Any] | None,
) -> EventDraft:
    return EventDraft(
        actor=actor,
        action=str(action),  # a catalogue member is stored as its plain string
        resource=resource,
        tenant=None if tenant in (None, "*") else tenant,
        zone=zone,
        decision=decision,
        outcome=outcome,
        request_id=request_id,
        details=dict(details or {}),
    )
