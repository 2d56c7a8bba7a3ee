"""The airlock's rules that the policy cannot express, one function each.

The chokepoint decides who may ask, read and review; these decide what may be asked (a
finished job's outputs the gate sent to review, not already held by another request) and
who may decide a given request (never its author, each reviewer once) or withdraw it (its
author only, while pending).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.authz.chokepoint import Principal
from lab.errors import Conflict, Forbidden, InvalidInput, NotFound
from lab.releases import trail
from lab.releases.models import OPEN, PENDING, RETURNED, ReleaseRequest, ReleaseReview
from lab.work.models import SUCCEEDED, WorkItem
from lab.work.queue import get_item


def finished_job(session: Session, *, tenant: str, zone: str, job_id: str) -> WorkItem:
    """The job, locked: two requests for the same outputs are decided one after the other."""
    session.get(WorkItem, job_id, with_for_update=True)
    item = get_item(session, job_id, tenant=tenant, kind="job", zone=zone)
    if item.state != SUCCEEDED:
        raise Conflict(f"job {job_id} is {item.state}: only a finished job's outputs can leave")
    return item


def requestable(item: WorkItem, name: str, zone: str) -> dict[str, Any]:
    entry = item.result.get("outputs", {}).get(name)
    if entry is None:
        raise NotFound(f"job {item.id} has no output {name!r}")
    disposition = entry.get("disposition")
    if disposition == "kept":
        why = entry.get("reason") or "the gate kept it in the zone"
        raise InvalidInput(f"output {name!r} can never leave the {zone}: {why}", field="outputs")
    if disposition == "released":
        raise Conflict(f"output {name!r} was already released without review; fetch it")
    if disposition != "review":
        raise InvalidInput(
            f"output {name!r} was not judged for release (no disposition): run the job again",
            field="outputs",
        )
    return dict(entry)


def not_held_elsewhere(session: Session, item: WorkItem, names: list[str]) -> None:
    open_requests = session.scalars(
        sa.select(ReleaseRequest).where(
            ReleaseRequest.tenant == item.tenant,
            ReleaseRequest.zone == item.zone,
            ReleaseRequest.job_id == item.id,
            ReleaseRequest.state.in_(sorted(OPEN)),
        )
    )
    for other in open_requests:
        taken = sorted(set(other.outputs) & set(names))
        if taken:
            raise Conflict(
                f"output {taken[0]!r} is already in release request {other.id} ({other.state})"
            )


def answering(session: Session, principal: Principal, item: WorkItem, returned: str) -> None:
    earlier = session.get(ReleaseRequest, returned)
    if earlier is None or earlier.tenant != item.tenant or earlier.zone != item.zone:
        raise NotFound(f"no release request {returned!r}")
    if earlier.state != RETURNED:
        raise Conflict(f"release request {returned} is {earlier.state}, not returned")
    if earlier.requester != principal.user:
        raise Forbidden(f"only the author ({earlier.requester}) may answer request {returned}")
    again = session.scalar(sa.select(ReleaseRequest.id).where(ReleaseRequest.resubmits == returned))
    if again is not None:
        raise Conflict(f"release request {returned} was already answered by {again}")


def why_not_reviewer(
    principal: Principal, request: ReleaseRequest, reviews: list[ReleaseReview]
) -> str | None:
    what = trail.noun(request)
    if request.state != PENDING:
        return f"{what} {request.id} is {request.state}; only pending ones are reviewed"
    if principal.user == request.requester:
        return f"the author of a {what} can never review it"
    if any(r.reviewer == principal.user for r in reviews):
        return "you already decided this request; the next decision must be another reviewer's"
    return None


def why_not_withdrawer(principal: Principal, request: ReleaseRequest) -> str | None:
    what = trail.noun(request)
    if request.state != PENDING:
        return f"{what} {request.id} is {request.state}; only pending ones can be withdrawn"
    if principal.user != request.requester:
        return f"only the author ({request.requester}) may withdraw a {what}"
    return None
