"""Release requests: ask for a job's outputs to leave the zone, review, withdraw.

Thin adapters over `lab.releases.service`, which authorizes each step for its precise
resource (a job's outputs, one request) before it looks anything up, and audits it: one
decision per call. `service_authorizes(...)` on each route names what its service asks.
"""

from __future__ import annotations

from fastapi import Depends

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import Identifier, StateFilter, Tenant, Zone
from lab.api.responses import errors
from lab.context import Lab
from lab.releases import service
from lab.releases.schemas import OutputContent, ReleaseIn, ReleaseOut, ReleaseView, ReviewIn

router = api_router(prefix="/v1", tags=["releases"])
TENANT = "/tenants/{tenant}/zones/{zone}/releases"
QUEUE = "/zones/{zone}/releases"


@router.post(TENANT, response_model=ReleaseOut, status_code=201)
def releases_request(
    tenant: Tenant,
    zone: Zone,
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


@router.get(TENANT, response_model=list[ReleaseOut])
def releases_list(
    tenant: Tenant,
    zone: Zone,
    state: StateFilter = None,
    access: Caller = service_authorizes("read", "releases", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[ReleaseOut]:
    """The tenant's release requests in the zone, newest first."""
    return service.list_releases(
        lab, access.principal, zone=zone, tenant=tenant, state=state, request_id=access.request_id
    )


@router.get(TENANT + "/{release_id}", response_model=ReleaseView)
def releases_show(
    tenant: Tenant,
    zone: Zone,
    release_id: Identifier,
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
    responses=errors(409),  # the request is not in a state that shows content
)
def releases_content(
    tenant: Tenant,
    zone: Zone,
    release_id: Identifier,
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


@router.post(TENANT + "/{release_id}/withdraw", response_model=ReleaseOut)
def releases_withdraw(
    tenant: Tenant,
    zone: Zone,
    release_id: Identifier,
    access: Caller = service_authorizes(
        "release", "releases/{release_id}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> ReleaseOut:
    """The author takes back a pending request."""
    return service.withdraw_release(
        lab, access.principal, access.as_actor(), release_id, zone=zone, tenant=tenant
    )


@router.get(QUEUE, response_model=list[ReleaseOut])
def releases_queue(
    zone: Zone,
    state: StateFilter = None,
    access: Caller = service_authorizes("read", "releases", zone="{zone}"),
    lab: Lab = Depends(get_lab),
) -> list[ReleaseOut]:
    """The reviewers' queue: every tenant's requests in the zone (`?state=pending`)."""
    return service.list_releases(
        lab, access.principal, zone=zone, state=state, request_id=access.request_id
    )


@router.post(QUEUE + "/{release_id}/review", response_model=ReleaseOut)
def releases_review(
    zone: Zone,
    release_id: Identifier,
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


@router.post(QUEUE + "/{release_id}/publish", response_model=ReleaseOut)
def releases_publish(
    zone: Zone,
    release_id: Identifier,
    access: Caller = service_authorizes("review", "releases/{release_id}", zone="{zone}"),
    lab: Lab = Depends(get_lab),
) -> ReleaseOut:
    """Finish the publication of an approved request that the lab could not publish at
    once (it stopped in between): the approved outputs are written and hashed."""
    return service.publish_release(lab, access.principal, access.as_actor(), release_id, zone=zone)
