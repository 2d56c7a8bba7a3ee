"""The airlock's audit events: one shape for every step of a request, release or promotion.

Each event names the request as its resource (`<zone>/releases/<id>`, or
`<zone>/promotions/<id>` for a promotion) and carries the job, the outputs and the state
after the step, so the trail of one request reads on its own.
Free text (a purpose, a comment) is cut to 300 characters: the trail records decisions,
not documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from lab.auditing import Actor
from lab.context import Lab
from lab.errors import Conflict, Forbidden
from lab.releases.models import PENDING, PROMOTION, ReleaseRequest


def collection(request: ReleaseRequest) -> str:
    """Where the request lives in its zone, for the policy and the trail."""
    return "promotions" if request.kind == PROMOTION else "releases"


def noun(request: ReleaseRequest) -> str:
    return "promotion request" if request.kind == PROMOTION else "release request"


def record_step(
    lab: Lab,
    session: Session,
    actor: Actor,
    action: str,
    request: ReleaseRequest,
    *,
    details: Mapping[str, Any] | None = None,
    outcome: str = "ok",
) -> None:
    extra = {k: (v[:300] if isinstance(v, str) else v) for k, v in (details or {}).items()}
    lab.auditor.change(
        session,
        actor,
        action,
        f"{request.zone}/{collection(request)}/{request.id}",
        tenant=request.tenant,
        zone=request.zone,
        outcome=outcome,
        details={
            request.kind or "release": request.id,
            "job": request.job_id,
            "outputs": list(request.outputs),
            "state": request.state,
            "required_approvals": request.required_approvals,
            **extra,
        },
    )


def refuse(
    lab: Lab,
    actor: Actor,
    action: str,
    request: ReleaseRequest,
    why: str,
    *,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Audit a refused step in a transaction of its own (the caller's rolls back), then
    refuse it: an author trying to approve their own request, or someone else withdrawing
    it, is worth a record. A request no longer pending is a conflict; else a refusal."""
    with lab.transaction() as session:
        record_step(
            lab,
            session,
            actor,
            action,
            request,
            details={**(details or {}), "refused": why},
            outcome="refused",
        )
    raise (Conflict if request.state != PENDING else Forbidden)(why)
