"""The airlock's audited actions; the API routes and the CLI commands are thin adapters.

Each function passes the chokepoint for the precise resource (a job's outputs, one
request), checks the airlock's rules, changes the metastore and writes the audit event in
the same transaction. Deciding needs the action `review` on `<zone>/releases/<id>`;
asking, `release`; reading, `read`. Rules the policy cannot express (the author never
reviews their own request, a reviewer decides once, only the author withdraws) are checked
here, and a refusal is audited too.

Resubmission: a `returned` request stays returned; its author files a new request that
names it (`resubmits`), so each request's reviews judge exactly what it asked.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.auditing import Actor
from lab.authz.chokepoint import PLATFORM, Principal
from lab.catalogue.actions import AccessAction
from lab.context import Lab
from lab.db.base import utcnow
from lab.errors import Conflict, InvalidInput, NotFound
from lab.releases import review, rules, trail
from lab.releases.content import preview
from lab.releases.fetch import read_released_output
from lab.releases.models import (
    APPROVED,
    PENDING,
    PROMOTION,
    STATES,
    ReleaseRequest,
    ReleaseReview,
)
from lab.releases.publish import auto_release, publish
from lab.releases.schemas import JobFacts, OutputContent, ReleaseOut, ReleaseView
from lab.work.models import WorkItem
from lab.zones.registry import rules_at

__all__ = [
    "auto_release",
    "get_release",
    "list_releases",
    "publish_release",
    "read_released_output",
    "release_content",
    "request_release",
    "review_release",
    "withdraw_release",
]

MAX_LISTED = 200


def request_release(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    *,
    tenant: str,
    zone: str,
    job_id: str,
    outputs: Sequence[str],
    purpose: str,
    resubmits: str | None = None,
) -> ReleaseOut:
    """Ask for outputs of a finished job to leave the zone; they wait for review."""
    lab.chokepoint.authorize(
        principal,
        action="release",
        resource=f"jobs/{job_id}",
        zone=zone,
        tenant=tenant,
        request_id=actor.request_id,
        hide_unknown=True,
    )
    purpose = purpose.strip()
    if not purpose:
        raise InvalidInput("a release request needs a purpose: why must it leave?", field="purpose")
    names = list(dict.fromkeys(outputs))
    if not names:
        raise InvalidInput("name at least one output to release", field="outputs")
    with lab.transaction() as session:
        item = rules.finished_job(session, tenant=tenant, zone=zone, job_id=job_id)
        entries = {name: rules.requestable(item, name, zone) for name in names}
        rules.not_held_elsewhere(session, item, names)
        if resubmits is not None:
            rules.answering(session, principal, item, resubmits)
        request = ReleaseRequest(
            id=secrets.token_hex(8),
            tenant=tenant,
            zone=zone,
            job_id=job_id,
            outputs=names,
            purpose=purpose[:2000],
            requester=principal.user,
            state=PENDING,
            required_approvals=rules_at(session, zone).disclosure.release_approvals,
            findings=entries,
            resubmits=resubmits,
            files={},
            created_at=utcnow(),
        )
        session.add(request)
        session.flush()
        details = {"purpose": purpose, "resubmits": resubmits}
        trail.record_step(lab, session, actor, "release.request", request, details=details)
        return ReleaseOut.of(request, [])


def list_releases(
    lab: Lab,
    principal: Principal,
    *,
    zone: str,
    tenant: str | None = None,
    state: str | None = None,
    request_id: str | None = None,
) -> list[ReleaseOut]:
    """A tenant's requests, or (tenant None) every tenant's: the reviewers' queue."""
    lab.chokepoint.authorize(
        principal,
        action=AccessAction.READ,
        resource="releases",
        zone=zone,
        tenant=tenant or PLATFORM,
        request_id=request_id,
        hide_unknown=tenant is not None,
    )
    if state is not None and state not in STATES:
        raise InvalidInput(f"state {state!r} is not one of {', '.join(STATES)}", field="state")
    query = sa.select(ReleaseRequest).where(
        ReleaseRequest.zone == zone, ReleaseRequest.kind != PROMOTION
    )
    if tenant is not None:
        query = query.where(ReleaseRequest.tenant == tenant)
    if state is not None:
        query = query.where(ReleaseRequest.state == state)
    with lab.read() as session:
        found = list(
            session.scalars(query.order_by(ReleaseRequest.created_at.desc()).limit(MAX_LISTED))
        )
        reviews = _reviews_of(session, [r.id for r in found])
        return [ReleaseOut.of(r, reviews.get(r.id, [])) for r in found]


def get_release(
    lab: Lab,
    principal: Principal,
    release_id: str,
    *,
    zone: str,
    tenant: str | None = None,
    request_id: str | None = None,
) -> ReleaseView:
    """One request with the findings as they stood, the job's code and inputs, the reviews."""
    request = _authorized(lab, principal, AccessAction.READ, release_id, zone, tenant, request_id)
    with lab.read() as session:
        item = session.get(WorkItem, request.job_id)
        reviews = _reviews_of(session, [request.id]).get(request.id, [])
    base = ReleaseOut.of(request, reviews)
    return ReleaseView(**base.model_dump(), findings=dict(request.findings), job=_facts(item))


def release_content(
    lab: Lab,
    principal: Principal,
    release_id: str,
    *,
    zone: str,
    tenant: str | None = None,
    request_id: str | None = None,
) -> list[OutputContent]:
    """The requested outputs as they would leave, for reviewers, inside the lab."""
    request = _authorized(
        lab, principal, AccessAction.REVIEW, release_id, zone, tenant, request_id, "content"
    )
    return [preview(lab, name, request.findings[name]) for name in request.outputs]


def review_release(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    release_id: str,
    *,
    zone: str,
    decision: str,
    comment: str,
) -> ReleaseOut:
    """Approve, reject or return a pending request. When distinct approvals reach the
    number the request requires, the lab publishes it at once."""
    asked = _authorized(
        lab, principal, AccessAction.REVIEW, release_id, zone, None, actor.request_id
    )
    state = review.decide(lab, principal, actor, asked, decision=decision, comment=comment)
    if state == APPROVED:
        publish(lab, release_id, request_id=actor.request_id)
    return _out(lab, release_id)


def publish_release(
    lab: Lab, principal: Principal, actor: Actor, release_id: str, *, zone: str
) -> ReleaseOut:
    """Publish again a request that was approved but whose publication did not finish
    (the lab stopped in between): reviewers may, the outputs stay what was approved."""
    asked = _authorized(
        lab, principal, AccessAction.REVIEW, release_id, zone, None, actor.request_id
    )
    if asked.state != APPROVED:
        raise Conflict(
            f"release request {release_id} is {asked.state}; only an approved, "
            "unpublished request is published again"
        )
    publish(lab, release_id, request_id=actor.request_id)
    return _out(lab, release_id)


def withdraw_release(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    release_id: str,
    *,
    zone: str,
    tenant: str | None = None,
) -> ReleaseOut:
    """The author takes back a pending request."""
    asked = _authorized(lab, principal, "release", release_id, zone, tenant, actor.request_id)
    review.withdraw(lab, principal, actor, asked, "release.withdraw")
    return _out(lab, release_id)


# --- plumbing -------------------------------------------------------------------------


def _authorized(
    lab: Lab,
    principal: Principal,
    action: str,
    release_id: str,
    zone: str,
    tenant: str | None,
    request_id: str | None,
    part: str | None = None,
) -> ReleaseRequest:
    """The request, once the principal passed the chokepoint for it.

    The chokepoint is asked before anything is answered, whether the request is there or
    not, so every attempt is audited. It is asked in the request's own tenant; for a
    request that is not there (or is another tenant's, or another zone's) in the tenant the
    caller named, or the platform's when they named none. A denial for someone with no
    standing is then the same `not found` whether the request exists or not; an allowed
    caller learns that there is no such request."""
    with lab.read() as session:
        found = session.get(ReleaseRequest, release_id)
    if found is not None and (
        found.kind == PROMOTION or found.zone != zone or tenant not in (None, found.tenant)
    ):
        found = None
    lab.chokepoint.authorize_named(
        principal,
        action,
        f"releases/{release_id}" + (f"/{part}" if part else ""),
        tenant=found.tenant if found is not None else tenant or PLATFORM,
        zone=zone,
        request_id=request_id,
    )
    if found is None:
        raise NotFound(f"no release request {release_id!r}")
    return found


def _reviews_of(session: Session, ids: list[str]) -> dict[str, list[ReleaseReview]]:
    found: dict[str, list[ReleaseReview]] = {}
    if not ids:
        return found
    query = (
        sa.select(ReleaseReview)
        .where(ReleaseReview.request_id.in_(ids))
        .order_by(ReleaseReview.created_at, ReleaseReview.id)
    )
    for row in session.scalars(query):
        found.setdefault(row.request_id, []).append(row)
    return found


def _out(lab: Lab, release_id: str) -> ReleaseOut:
    with lab.read() as session:
        request = session.get(ReleaseRequest, release_id)
        if request is None:
            raise NotFound(f"no release request {release_id!r}")
        return ReleaseOut.of(request, _reviews_of(session, [release_id]).get(release_id, []))


def _facts(item: WorkItem | None) -> JobFacts:
    if item is None:  # the job's record was removed; the request keeps its own findings
        return JobFacts(
            id="", name="", engine="", submitter="", code={}, inputs={}, finished_at=None
        )
    job = item.spec.get("job", {})
    return JobFacts(
        id=item.id,
        name=item.name,
        engine=str(job.get("engine", "")),
        submitter=item.submitter,
        code=dict(job.get("code", {})),
        inputs=dict(item.result.get("inputs") or job.get("inputs", {})),
        finished_at=item.finished_at,
    )
