"""What promotion and deployment front doors take and return (service, API, CLI)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from lab.promotions.models import Deployment, Promotion
from lab.releases.models import ReleaseRequest, ReleaseReview
from lab.releases.schemas import ReviewOut


class PromotionIn(BaseModel):
    dataset_tenant: str = Field(
        max_length=64, description="The tenant that owns the production dataset (data owner)."
    )
    dataset: str = Field(max_length=200, description="The production dataset the model scores.")
    dataset_version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="Its version; the newest ready one if omitted.",
    )
    purpose: str = Field(max_length=2000, description="Why the model must run in production.")


class GateOut(BaseModel):
    gate: str
    passed: bool
    detail: str


class PromotionOut(BaseModel):
    """A promotion request as it stands: the model version, the target, the gates as they
    stood when it was made, the reviews, and once approved the deployment it created."""

    id: str
    tenant: str = Field(description="The model's owner; the deployment's tenant.")
    model_zone: str
    model_name: str
    model_version: int
    model_version_id: str
    dataset_tenant: str
    dataset: str
    dataset_version: int
    purpose: str
    requester: str
    state: str
    required_approvals: int
    approvals: int
    gates: list[GateOut]
    policy_version: str
    deployment_id: str | None
    created_at: datetime
    decided_at: datetime | None
    reviews: list[ReviewOut]

    @classmethod
    def of(
        cls, request: ReleaseRequest, promotion: Promotion, reviews: list[ReleaseReview]
    ) -> PromotionOut:
        return cls(
            id=request.id,
            tenant=request.tenant,
            model_zone=promotion.model_zone,
            model_name=promotion.model_name,
            model_version=promotion.model_version,
            model_version_id=promotion.model_version_id,
            dataset_tenant=promotion.dataset_tenant,
            dataset=promotion.dataset_name,
            dataset_version=promotion.dataset_version,
            purpose=request.purpose,
            requester=request.requester,
            state=request.state,
            required_approvals=request.required_approvals,
            approvals=sum(1 for r in reviews if r.decision == "approve"),
            gates=[GateOut(**g) for g in promotion.gates],
            policy_version=promotion.policy_version,
            deployment_id=promotion.deployment_id,
            created_at=request.created_at,
            decided_at=request.decided_at,
            reviews=[ReviewOut.of(r) for r in reviews],
        )


class DeploymentOut(BaseModel):
    """A deployed model in the production zone, with its signed manifest as stored."""

    id: str
    tenant: str
    zone: str
    name: str
    version: int = Field(description="The deployment's number for this (tenant, name).")
    status: str = Field(description="active, superseded, rolled_back or retired")
    flavour: str
    model_version_id: str
    request_id: str
    dataset_tenant: str
    dataset: str
    key_id: str | None = Field(description="sha256 of the promotion public key that signed it")
    manifest: dict[str, Any] | None = Field(description="The signed manifest, as JSON")
    signed_payload: str | None = Field(description="The exact signed bytes, base64")
    signature: str | None = Field(description="The Ed25519 signature, base64")
    created_at: datetime
    activated_at: datetime | None
    deactivated_at: datetime | None

    @classmethod
    def of(cls, row: Deployment) -> DeploymentOut:
        manifest = None
        if row.manifest is not None:
            try:
                manifest = json.loads(row.manifest).get("manifest")
            except ValueError:
                manifest = None
        return cls(
            id=row.id,
            tenant=row.tenant,
            zone=row.zone,
            name=row.name,
            version=row.version,
            status=row.status,
            flavour=row.flavour,
            model_version_id=row.model_version_id,
            request_id=row.request_id,
            dataset_tenant=row.dataset_tenant,
            dataset=row.dataset_name,
            key_id=row.key_id,
            manifest=manifest,
            signed_payload=_b64(row.manifest),
            signature=_b64(row.signature),
            created_at=row.created_at,
            activated_at=row.activated_at,
            deactivated_at=row.deactivated_at,
        )


class RollbackIn(BaseModel):
    version: int = Field(ge=1, le=2**31 - 1, description="The earlier deployment to activate.")
    reason: str = Field(min_length=3, max_length=300, description="Why it is rolled back.")


class RetireIn(BaseModel):
    reason: str = Field(min_length=3, max_length=300, description="Why it is retired.")


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")
