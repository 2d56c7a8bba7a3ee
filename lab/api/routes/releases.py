"""Release requests: ask for a job's outputs to leave the zone, review, withdraw.

Thin adapters over `lab.releases.service`, which authorizes each step for its precise
resource (a job's outputs, one request) before it looks anything up, and audits it: one
decision per call. `service_authorizes(...)` on each route names what its service asks.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.context import Lab
from lab.releases import service
from lab.releases.schemas import OutputContent, ReleaseIn, ReleaseOut, ReleaseView, ReviewIn

router = APIRouter(prefix="/v1", tags=["releases"])
TENANT = "/tenants/{tenant}/zones/{zone}/releases"
QUEUE = "/zones/{zone}/releases"


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str


class ErrorOut(BaseModel):
    error: ErrorDetail


_WHY = {
    400: "The request cannot be accepted as sent: an output that can never leave (kept in "
    "the zone), a missing purpose or comment, an unknown state or decision.",
    401: "No bearer token, or one that is unknown, expired or revoked.",
    403: "The policy, or an airlock rule, forbids it: the author reviewing their own "
    "request, a second decision by the same reviewer, a withdrawal by someone else.",
    404: "No such tenant, zone, job, output or request, or not one the caller may know of.",
    409: "The state forbids it: the job has not succeeded, the output is already in an open "
    "request, the request is no longer pending.",
    422: "The body or a parameter does not have the expected shape.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorOut, "description": _WHY[code]} for code in codes}


STATE = Query(
    None, description="pending, approved, rejected, returned, withdrawn or released; all if none."
)


@router.post(
    TENANT,
    response_model=ReleaseOut,
    status_code=201,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def releases_request(
    tenant: str,
    zone: str,
    body: ReleaseIn,
    access: Caller = service_authorizes("release", "releases", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> ReleaseOut:
    """Ask for outputs of a finished job (those the gate sent to review) to leave the zone,
    with a purpose. The request waits for the zone's number of distinct approvals."""
    return service.request_release(
        lab,
        access.principal,
        access.as_actor(),
        tenant=tenant,
        zone=zone,
        job_id=body.job_id,
        outputs=body.outputs,
        purpose=body.purpose,
        resubmits=body.resubmits,
    )


@router.get(TENANT, response_model=list[ReleaseOut], responses=errors(400, 401, 403, 404, 422))
def releases_list(
    tenant: str,
    zone: str,
    state: str | None = STATE,
    access: Caller = service_authorizes("read", "releases", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[ReleaseOut]:
    """The tenant's release requests in the zone, newest first."""
    return service.list_releases(
        lab, access.principal, zone=zone, tenant=tenant, state=state, request_id=access.request_id
    )


@router.get(TENANT + "/{release_id}", response_model=ReleaseView, responses=errors(401, 403, 404))
def releases_show(
    tenant: str,
    zone: str,
    release_id: str,
    access: Caller = service_authorizes(
        "read", "releases/{release_id}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> ReleaseView:
    """A request with its findings, the job's code and inputs, and the reviews so far."""
    return service.get_release(
        lab, access.principal, release_id, zone=zone, tenant=tenant, request_id=access.request_id
    )


@router.get(
    TENANT + "/{release_id}/content",
    response_model=list[OutputContent],
    responses=errors(401, 403, 404, 409),
)
def releases_content(
    tenant: str,
    zone: str,
    release_id: str,
    access: Caller = service_authorizes(
        "review", "releases/{release_id}/content", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> list[OutputContent]:
    """For reviewers: each requested output as it would leave (a table's rows after the
    gate's suppression and rounding; a file's name, type, size and sha256)."""
    return service.release_content(
        lab, access.principal, release_id, zone=zone, tenant=tenant, request_id=access.request_id
    )


@router.post(
    TENANT + "/{release_id}/withdraw",
    response_model=ReleaseOut,
    responses=errors(401, 403, 404, 409),
)
def releases_withdraw(
    tenant: str,
    zone: str,
    release_id: str,
    access: Caller = service_authorizes(
        "release", "releases/{release_id}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> ReleaseOut:
    """The author takes back a pending request."""
    return service.withdraw_release(
        lab, access.principal, access.as_actor(), release_id, zone=zone, tenant=tenant
    )


@router.get(QUEUE, response_model=list[ReleaseOut], responses=errors(400, 401, 403, 404, 422))
def releases_queue(
    zone: str,
    state: str | None = STATE,
    access: Caller = service_authorizes("read", "releases", zone="{zone}"),
    lab: Lab = Depends(get_lab),
) -> list[ReleaseOut]:
    """The reviewers' queue: every tenant's requests in the zone (`?state=pending`)."""
    return service.list_releases(
        lab, access.principal, zone=zone, state=state, request_id=access.request_id
    )


@router.post(
    QUEUE + "/{release_id}/review",
    response_model=ReleaseOut,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def releases_review(
    zone: str,
    release_id: str,
    body: ReviewIn,
    access: Caller = service_authorizes("review", "releases/{release_id}", zone="{zone}"),
    lab: Lab = Depends(get_lab),
) -> ReleaseOut:
    """Approve, reject or return a pending request, with a comment. The author never
    reviews their own request; at the zone's number of distinct approvals the lab
    releases the outputs at once and records each file's sha256."""
    return service.review_release(
        lab,
        access.principal,
        access.as_actor(),
        release_id,
        zone=zone,
        decision=body.decision,
        comment=body.comment,
    )


@router.post(
    QUEUE + "/{release_id}/publish",
    response_model=ReleaseOut,
    responses=errors(401, 403, 404, 409),
)
def releases_publish(
    zone: str,
    release_id: str,
    access: Caller = service_authorizes("review", "releases/{release_id}", zone="{zone}"),
    lab: Lab = Depends(get_lab),
) -> ReleaseOut:
    """Finish the publication of an approved request that the lab could not publish at
    once (it stopped in between): the approved outputs are written and hashed."""
    return service.publish_release(lab, access.principal, access.as_actor(), release_id, zone=zone)
