"""Deciding a request, release or promotion alike: the one place that applies the reviewer
rules (never the author, each reviewer once, only pending requests), counts distinct
approvals against the number the request requires, records the review and audits it. And
the author's withdrawal of a pending request, by the same rules for both kinds.

What happens at the final approval is the kind's own: a release is published after the
transaction; a promotion signs its manifest and deploys in the same transaction, through
`on_approved`, so a request is never approved without its deployment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.context import Lab
from lab.db.base import utcnow
from lab.errors import Conflict, InvalidInput, NotFound
from lab.releases import rules, trail
from lab.releases.models import (
    APPROVE,
    APPROVED,
    DECISIONS,
    PENDING,
    REJECT,
    REJECTED,
    RETURNED,
    WITHDRAWN,
    ReleaseRequest,
    ReleaseReview,
)

OnApproved = Callable[[Session, ReleaseRequest, list[str]], dict[str, Any]]
"""Called in the deciding transaction with the request and its approvers, in order; what it
returns is added to the review's audit event."""


def decide(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    asked: ReleaseRequest,
    *,
    decision: str,
    comment: str,
    on_approved: OnApproved | None = None,
) -> str:
    """Record one reviewer's decision on a request the caller was authorized to review;
    returns the request's state afterwards. A refused decision is audited, then raised."""
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}", field="decision")
    comment = comment.strip()
    if not comment:
        raise InvalidInput("every decision needs a comment: say what was checked", field="comment")
    with lab.read() as session:
        problem = rules.why_not_reviewer(principal, asked, reviews_of(session, [asked.id]))
    if problem is not None:
        action = f"{asked.kind or 'release'}.review"
        trail.refuse(lab, actor, action, asked, problem, details={"decision": decision})
    with lab.transaction() as session:
        request = session.get(ReleaseRequest, asked.id, with_for_update=True)
        if request is None:
            raise NotFound(f"no {trail.noun(asked)} {asked.id!r}")
        reviews = reviews_of(session, [request.id])
        if rules.why_not_reviewer(principal, request, reviews) is not None:
            raise Conflict(f"{trail.noun(request)} {request.id} changed while it was reviewed")
        session.add(
            ReleaseReview(
                request_id=request.id,
                reviewer=principal.user,
                decision=decision,
                comment=comment[:2000],
                created_at=utcnow(),
            )
        )
        approvers = [r.reviewer for r in reviews if r.decision == APPROVE]
        if decision == APPROVE:
            approvers.append(principal.user)
        extra: dict[str, Any] = {}
        if decision == APPROVE and len(approvers) >= request.required_approvals:
            request.state = APPROVED
            if on_approved is not None:
                extra = on_approved(session, request, approvers)
        elif decision != APPROVE:
            request.state = REJECTED if decision == REJECT else RETURNED
        if request.state != PENDING:
            request.decided_at = utcnow()
        session.flush()
        details = {
            "decision": decision,
            "approvals": len(approvers) if decision == APPROVE else None,
            "comment": comment,
            **extra,
        }
        trail.record_step(lab, session, actor, f"{request.kind}.review", request, details=details)
        return request.state


def withdraw(
    lab: Lab, principal: Principal, actor: Actor, asked: ReleaseRequest, action: str
) -> None:
    """The author takes back a pending request the caller was authorized to name: state
    `withdrawn`, audited as `action`. Anyone else is refused (403), as is a request no
    longer pending (409); each refusal is audited, then raised."""
    problem = rules.why_not_withdrawer(principal, asked)
    if problem is not None:
        trail.refuse(lab, actor, action, asked, problem)
    with lab.transaction() as session:
        request = session.get(ReleaseRequest, asked.id, with_for_update=True)
        if request is None:
            raise NotFound(f"no {trail.noun(asked)} {asked.id!r}")
        if rules.why_not_withdrawer(principal, request) is not None:
            raise Conflict(f"{trail.noun(request)} {request.id} changed while it was withdrawn")
        request.state = WITHDRAWN
        request.decided_at = utcnow()
        session.flush()
        trail.record_step(lab, session, actor, action, request)


def reviews_of(session: Session, ids: list[str]) -> list[ReleaseReview]:
    """The reviews of the requests, oldest first."""
    if not ids:
        return []
    query = (
        sa.select(ReleaseReview)
        .where(ReleaseReview.request_id.in_(ids))
        .order_by(ReleaseReview.created_at, ReleaseReview.id)
    )
    return list(session.scalars(query))
