"""The final approval of a promotion: the manifest is built, signed with the lab's
promotion key and the deployment created, in the deciding transaction.

The artifact is copied into the production zone (the model owner's encrypted storage,
under production's `model_days`) before that transaction, by `stage_artifact`: a write to
storage cannot sit inside a metastore transaction. A copy whose approval then fails is
handed to the destruction scheduler at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jobs.models import manifest as manifests
from lab.auditing import Actor
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.db.base import utcnow
from lab.errors import Conflict
from lab.keys.signing import promotion_signing_key
from lab.models.models import ModelVersion
from lab.promotions.models import ACTIVE, PRODUCTION, SUPERSEDED, Deployment, Promotion
from lab.releases.models import ReleaseRequest
from lab.runs.artifacts import read_files, store_files
from lab.storage.catalog import request_destruction


@dataclass(frozen=True)
class Staged:
    """The artifact's copy in production, ready to be named by a deployment."""

    version_id: str
    name: str


def stage_artifact(lab: Lab, actor: Actor, request: ReleaseRequest, promotion: Promotion) -> Staged:
    """Copy the approved version's artifact into production, after checking that it is
    still the artifact whose hash the gates saw."""
    with lab.read() as session:
        version = session.get(ModelVersion, promotion.model_version_id)
    if version is None:
        raise Conflict(f"model version {promotion.model_version_id} is gone: nothing to deploy")
    content = read_files(lab, version.artifact_version_id).get(version.artifact_name)
    if content is None or hashlib.sha256(content).hexdigest() != version.sha256:
        raise Conflict("the artifact no longer matches its registered sha256: not deployed")
    stored = store_files(
        lab,
        actor,
        tenant=request.tenant,
        zone=PRODUCTION,
        dataset=f"deployed-{promotion.model_name}",
        files={version.artifact_name: content},
        kind="model",
        lineage={"promotion": request.id, "model_version_id": version.id},
    )
    return Staged(stored.id, version.artifact_name)


def discard(lab: Lab, staged: Staged) -> None:
    """A staged copy whose approval did not go through is destroyed by the scheduler."""
    with lab.transaction() as session:
        request_destruction(session, staged.version_id, reason="promotion not approved")


def deploy(
    lab: Lab,
    session: Session,
    actor: Actor,
    request: ReleaseRequest,
    approvers: list[str],
    staged: Staged,
) -> dict[str, Any]:
    """Sign the manifest and activate the deployment; returns facts for the audit event."""
    promotion = session.get(Promotion, request.id)
    version = session.get(ModelVersion, promotion.model_version_id) if promotion else None
    if promotion is None or version is None:
        raise Conflict(f"promotion request {request.id} has no model version to deploy")
    manifest = _manifest(request, promotion, version, approvers)
    key = promotion_signing_key(session, lab.master_key)
    signed = manifests.sign(manifest, key)
    previous = session.scalars(
        sa.select(Deployment)
        .where(
            Deployment.tenant == request.tenant,
            Deployment.zone == PRODUCTION,
            Deployment.name == promotion.model_name,
        )
        .with_for_update()
    ).all()
    now = utcnow()
    for row in previous:
        if row.status == ACTIVE:
            row.status = SUPERSEDED
            row.deactivated_at = now
    session.flush()
    deployment = Deployment(
        id=secrets.token_hex(8),
        tenant=request.tenant,
        zone=PRODUCTION,
        name=promotion.model_name,
        version=max((r.version for r in previous), default=0) + 1,
        model_version_id=version.id,
        request_id=request.id,
        flavour=version.flavour,
        artifact_version_id=staged.version_id,
        artifact_name=staged.name,
        manifest=signed.payload,
        signature=signed.signature,
        key_id=signed.key_id,
        dataset_tenant=promotion.dataset_tenant,
        dataset_name=promotion.dataset_name,
        status=ACTIVE,
        created_at=now,
        activated_at=now,
    )
    session.add(deployment)
    session.flush()
    promotion.deployment_id = deployment.id
    facts = {
        "deployment": deployment.id,
        "deployment_version": deployment.version,
        "key_id": signed.key_id,
        "manifest_sha256": hashlib.sha256(signed.payload).hexdigest(),
        "artifact_sha256": version.sha256,
    }
    lab.auditor.change(
        session,
        actor,
        AuditAction.MODEL_DEPLOY,
        f"{PRODUCTION}/deployments/{deployment.name}/versions/{deployment.version}",
        tenant=request.tenant,
        zone=PRODUCTION,
        details={**facts, "promotion": request.id, "model_version_id": version.id},
    )
    return facts


def _manifest(
    request: ReleaseRequest, promotion: Promotion, version: ModelVersion, approvers: list[str]
) -> manifests.Manifest:
    inputs = tuple(
        manifests.DatasetVersion(dataset=str(i["dataset"]), version=int(i["version"]))
        for i in version.inputs.values()
        if isinstance(i, dict) and i.get("dataset") and i.get("version")
    )
    metrics = {
        str(k): float(v)
        for k, v in version.metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and k
    }
    try:
        return manifests.Manifest(
            model_name=promotion.model_name,
            model_version=promotion.model_version,
            flavour=version.flavour,
            artifact_sha256=version.sha256,
            code_hash=version.code_hash,
            lineage=manifests.Lineage(job_id=version.job_id, inputs=inputs),
            metrics=metrics,
            gate_results=tuple(manifests.GateResult(**g) for g in promotion.gates),
            policy_version=promotion.policy_version,
            requested_by=request.requester,
            approvers=tuple(approvers),
            approved_at=utcnow(),
            production_dataset=manifests.DatasetVersion(
                dataset=f"{promotion.dataset_tenant}/{promotion.dataset_name}",
                version=promotion.dataset_version,
            ),
            purpose=request.purpose,
        )
    except ValidationError as exc:
        raise Conflict(f"the promotion cannot be frozen into a manifest: {exc}") from None
