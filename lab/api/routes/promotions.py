"""Promotions and deployments: ask for a model version to run in production, review or
withdraw the request, and manage what is deployed.

Thin adapters over `lab.promotions.service` and `lab.promotions.deployments`, which
authorize each step for its precise resource before they look anything up, and audit it.
A request whose gates fail is answered 400 with every failed gate in the message; it is
not filed, and the refusal is audited.
"""

from __future__ import annotations

from fastapi import Depends
from fastapi.responses import PlainTextResponse

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import DatasetName, Identifier, StateFilter, Tenant, VersionNumber, Zone
from lab.context import Lab
from lab.promotions import deployments, service
from lab.promotions.schemas import (
    DeploymentOut,
    PromotionIn,
    PromotionOut,
    RetireIn,
    RollbackIn,
)
from lab.releases.schemas import ReviewIn

router = api_router(prefix="/v1", tags=["promotions"])
ASK = "/tenants/{tenant}/zones/{zone}/models/{name}/versions/{version}/promotions"
QUEUE = "/promotions"
DEPLOYED = "/tenants/{tenant}/zones/production/deployments"


@router.post(ASK, response_model=PromotionOut, status_code=201)
def promotions_request(
    tenant: Tenant,
    zone: Zone,
    name: DatasetName,
    version: VersionNumber,
    body: PromotionIn,
    caller: Caller = service_authorizes(
        "promote", "models/{name}/versions/{version}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> PromotionOut:
    """Ask for a model version to run in production on a dataset, with a purpose. The
    gates (metrics, schema compatibility, artifact checks) run now: if any fails, the
    answer is 400 with every reason and nothing is filed; else the request waits for the
    zone's number of distinct compliance officers, never the requester."""
    return service.request_promotion(
        lab,
        caller.principal,
        caller.as_actor(),
        tenant=tenant,
        zone=zone,
        name=name,
        version=version,
        dataset_tenant=body.dataset_tenant,
        dataset=body.dataset,
        dataset_version=body.dataset_version,
        purpose=body.purpose,
    )


@router.get("/tenants/{tenant}/promotions", response_model=list[PromotionOut])
def promotions_of_tenant(
    tenant: Tenant,
    state: StateFilter = None,
    caller: Caller = service_authorizes("read", "promotions", zone="production", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[PromotionOut]:
    """The tenant's promotion requests, newest first."""
    return service.list_promotions(
        lab, caller.principal, tenant=tenant, state=state, request_id=caller.request_id
    )


@router.get(QUEUE + "/public-key", response_class=PlainTextResponse)
def promotions_public_key(
    caller: Caller = service_authorizes("read", "promotions/public-key", zone="production"),
    lab: Lab = Depends(get_lab),
) -> str:
    """The Ed25519 public key (PEM) that verifies every deployment's signed manifest."""
    return service.public_key(lab, caller.principal, request_id=caller.request_id)


@router.get(QUEUE, response_model=list[PromotionOut])
def promotions_queue(
    state: StateFilter = None,
    caller: Caller = service_authorizes("read", "promotions", zone="production"),
    lab: Lab = Depends(get_lab),
) -> list[PromotionOut]:
    """The reviewers' queue: every tenant's promotion requests (`?state=pending`)."""
    return service.list_promotions(lab, caller.principal, state=state, request_id=caller.request_id)


@router.get(QUEUE + "/{promotion_id}", response_model=PromotionOut)
def promotions_show(
    promotion_id: Identifier,
    caller: Caller = service_authorizes("read", "promotions/{promotion_id}", zone="production"),
    lab: Lab = Depends(get_lab),
) -> PromotionOut:
    """A promotion request: model version, target, gates as they stood, reviews."""
    return service.get_promotion(lab, caller.principal, promotion_id, request_id=caller.request_id)


@router.post(QUEUE + "/{promotion_id}/review", response_model=PromotionOut)
def promotions_review(
    promotion_id: Identifier,
    body: ReviewIn,
    caller: Caller = service_authorizes("review", "promotions/{promotion_id}", zone="production"),
    lab: Lab = Depends(get_lab),
) -> PromotionOut:
    """Approve, reject (the comment gives the reasons) or return a pending request. At the
    zone's number of distinct approvals the manifest is signed and the model deployed."""
    return service.review_promotion(
        lab,
        caller.principal,
        caller.as_actor(),
        promotion_id,
        decision=body.decision,
        comment=body.comment,
    )


@router.post(QUEUE + "/{promotion_id}/withdraw", response_model=PromotionOut)
def promotions_withdraw(
    promotion_id: Identifier,
    caller: Caller = service_authorizes("read", "promotions/{promotion_id}", zone="production"),
    lab: Lab = Depends(get_lab),
) -> PromotionOut:
    """The author takes back a pending request (needing `promote` on the model version, as
    when asking): nothing is deployed, and the version may be asked for again. Anyone else
    is refused (403), as is a request already decided or withdrawn (409)."""
    return service.withdraw_promotion(lab, caller.principal, caller.as_actor(), promotion_id)


@router.get(DEPLOYED, response_model=list[DeploymentOut])
def deployments_list(
    tenant: Tenant,
    caller: Caller = service_authorizes("read", "deployments", zone="production", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[DeploymentOut]:
    """The tenant's deployed models, each with its signed manifest and status."""
    return deployments.list_deployments(
        lab, caller.principal, tenant=tenant, request_id=caller.request_id
    )


@router.get(DEPLOYED + "/{name}", response_model=list[DeploymentOut])
def deployments_show(
    tenant: Tenant,
    name: DatasetName,
    caller: Caller = service_authorizes(
        "read", "deployments/{name}", zone="production", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> list[DeploymentOut]:
    """Every deployment of one model, newest first; at most one is active."""
    return deployments.deployment_versions(
        lab, caller.principal, tenant=tenant, name=name, request_id=caller.request_id
    )


@router.post(DEPLOYED + "/{name}/rollback", response_model=DeploymentOut)
def deployments_rollback(
    tenant: Tenant,
    name: DatasetName,
    body: RollbackIn,
    caller: Caller = service_authorizes(
        "update", "deployments/{name}", zone="production", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> DeploymentOut:
    """Activate an earlier (promoted, signed) deployment again."""
    return deployments.rollback(
        lab,
        caller.principal,
        caller.as_actor(),
        tenant=tenant,
        name=name,
        to=body.version,
        reason=body.reason,
    )


@router.post(DEPLOYED + "/{name}/retire", response_model=DeploymentOut)
def deployments_retire(
    tenant: Tenant,
    name: DatasetName,
    body: RetireIn,
    caller: Caller = service_authorizes(
        "update", "deployments/{name}", zone="production", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> DeploymentOut:
    """Take the active deployment out of use."""
    return deployments.retire(
        lab, caller.principal, caller.as_actor(), tenant=tenant, name=name, reason=body.reason
    )
