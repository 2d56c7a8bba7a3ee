"""Promotion requests, the audited front doors: ask, list, show, decide, withdraw.

A promotion is a release request of kind `promotion` (`lab.releases`): the same reviews,
the same reviewer rules (never the author, each reviewer once, the zone's number of
distinct approvals) and the same trail. Asking needs `promote` on the model version (in
its zone, for its tenant) and on the production dataset it targets (for the dataset's
owner tenant); deciding needs `review` on `production/promotions/<id>`, which the seed
policy gives compliance officers only. Withdrawing needs `read` on the request and, as
asking did, `promote` on the model version; then only its author may, while it is pending
(`lab.releases.review.withdraw`). A withdrawn request frees the version for a new one.

The gates are computed when the request is made. A request whose gates fail is refused
(400, every reason in the message and in `gates`) and not filed; the refusal is audited
(`promotion.refuse`) with the gate results.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from jobs.models import manifest as manifests
from lab.auditing import Actor
from lab.authz.chokepoint import PLATFORM, Principal
from lab.authz.store import current_version
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.db.base import utcnow
from lab.errors import Conflict, InvalidInput, NotFound
from lab.keys.signing import promotion_signing_key
from lab.models.models import REGISTERED, Model, ModelVersion
from lab.promotions import deploy, gates
from lab.promotions.models import PRODUCTION, Promotion
from lab.promotions.schemas import PromotionOut
from lab.releases import review, rules, trail
from lab.releases.models import (
    APPROVE,
    PENDING,
    PROMOTION,
    STATES,
    ReleaseRequest,
)
from lab.runs.artifacts import read_files
from lab.storage.catalog import find_version
from lab.storage.models import READY, DatasetVersion
from lab.zones.registry import rules_at, version_at

MAX_LISTED = 200


def request_promotion(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    *,
    tenant: str,
    zone: str,
    name: str,
    version: int,
    dataset_tenant: str,
    dataset: str,
    dataset_version: int | None,
    purpose: str,
) -> PromotionOut:
    """Ask for a model version to run in production on a dataset; gates first."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.PROMOTE,
        f"models/{name}/versions/{version}",
        tenant=tenant,
        zone=zone,
        request_id=actor.request_id,
    )
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.PROMOTE,
        f"datasets/{dataset}",
        tenant=dataset_tenant,
        zone=PRODUCTION,
        request_id=actor.request_id,
    )
    purpose = purpose.strip()
    if not purpose:
        raise InvalidInput("a promotion needs a purpose: what will it score, why?", field="purpose")
    if zone == PRODUCTION:
        raise InvalidInput(
            "a model is promoted from the sandbox, not from production", field="zone"
        )
    with lab.read() as session:
        row = _model_version(session, tenant, zone, name, version)
        target = find_version(
            session, tenant=dataset_tenant, zone=PRODUCTION, name=dataset, version=dataset_version
        )
        _not_pending(session, row.id)
        promotion_rules = rules_at(session, PRODUCTION).promotion
        zone_version = version_at(session, PRODUCTION).version
        policy = f"policy v{current_version(session)}; zone production v{zone_version}"
    artifact = read_files(lab, row.artifact_version_id).get(row.artifact_name, b"")
    results = gates.metric_gates(row, name, promotion_rules)
    results.append(gates.schema_gate(row, target))
    results.append(gates.artifact_gate(lab, row, artifact, promotion_rules))
    failed = gates.failures(results)
    facts = {
        "model_version_id": row.id,
        "dataset": f"{dataset_tenant}/{dataset}",
        "purpose": purpose[:300],
    }
    if failed:
        with lab.transaction() as session:
            lab.auditor.change(
                session,
                actor,
                AuditAction.PROMOTION_REFUSE,
                f"{zone}/models/{name}/versions/{version}",
                tenant=tenant,
                zone=zone,
                outcome="refused",
                details={**facts, "gates": results, "failed": len(failed)},
            )
        raise InvalidInput(
            f"model {name!r} version {version} fails {len(failed)} promotion gate(s): "
            + "; ".join(failed),
            field="gates",
        )
    with lab.transaction() as session:
        request = ReleaseRequest(
            id=secrets.token_hex(8),
            kind=PROMOTION,
            tenant=tenant,
            zone=PRODUCTION,
            job_id=row.job_id,
            outputs=[],
            purpose=purpose[:2000],
            requester=principal.user,
            state=PENDING,
            required_approvals=promotion_rules.approvals,
            findings={"gates": results},
            files={},
            created_at=utcnow(),
        )
        session.add(request)
        session.flush()
        promotion = Promotion(
            request_id=request.id,
            model_version_id=row.id,
            model_zone=zone,
            model_name=name,
            model_version=version,
            dataset_tenant=dataset_tenant,
            dataset_name=dataset,
            dataset_version=target.version,
            dataset_version_id=target.id,
            gates=results,
            policy_version=policy,
        )
        session.add(promotion)
        session.flush()
        details = {**facts, "gates": results, "dataset_version": target.version}
        trail.record_step(
            lab, session, actor, AuditAction.PROMOTION_REQUEST, request, details=details
        )
        return PromotionOut.of(request, promotion, [])


def list_promotions(
    lab: Lab,
    principal: Principal,
    *,
    tenant: str | None = None,
    state: str | None = None,
    request_id: str | None = None,
) -> list[PromotionOut]:
    """A tenant's promotion requests, or (tenant None) every tenant's: the reviewers' queue."""
    lab.chokepoint.authorize(
        principal,
        action=AccessAction.READ,
        resource="promotions",
        zone=PRODUCTION,
        tenant=tenant or PLATFORM,
        request_id=request_id,
        hide_unknown=tenant is not None,
    )
    if state is not None and state not in STATES:
        raise InvalidInput(f"state {state!r} is not one of {', '.join(STATES)}", field="state")
    query = sa.select(ReleaseRequest, Promotion).join(
        Promotion, Promotion.request_id == ReleaseRequest.id
    )
    if tenant is not None:
        query = query.where(ReleaseRequest.tenant == tenant)
    if state is not None:
        query = query.where(ReleaseRequest.state == state)
    query = query.order_by(ReleaseRequest.created_at.desc()).limit(MAX_LISTED)
    with lab.read() as session:
        found = session.execute(query).all()
        reviews = review.reviews_of(session, [r.id for r, _ in found])
    return [PromotionOut.of(r, p, [v for v in reviews if v.request_id == r.id]) for r, p in found]


def get_promotion(
    lab: Lab, principal: Principal, promotion_id: str, *, request_id: str | None = None
) -> PromotionOut:
    request = _authorized(lab, principal, AccessAction.READ, promotion_id, request_id)
    return _out(lab, request.id)


def review_promotion(
    lab: Lab, principal: Principal, actor: Actor, promotion_id: str, *, decision: str, comment: str
) -> PromotionOut:
    """Approve, reject (with reasons: the comment) or return a pending promotion. At the
    zone's number of distinct approvals the manifest is signed and the model deployed, in
    the same transaction as the deciding review."""
    asked = _authorized(lab, principal, AccessAction.REVIEW, promotion_id, actor.request_id)
    staged: deploy.Staged | None = None
    with lab.read() as session:
        earlier = review.reviews_of(session, [asked.id])
        promotion = session.get(Promotion, asked.id)
    final = (
        decision == APPROVE
        and rules.why_not_reviewer(principal, asked, earlier) is None
        and 1 + sum(1 for r in earlier if r.decision == APPROVE) >= asked.required_approvals
    )
    if final and promotion is not None and comment.strip():
        staged = deploy.stage_artifact(lab, actor, asked, promotion)

    def on_approved(
        session: Session, request: ReleaseRequest, approvers: list[str]
    ) -> dict[str, Any]:
        if staged is None:
            raise Conflict(f"promotion request {request.id} changed while it was reviewed")
        return deploy.deploy(lab, session, actor, request, approvers, staged)

    try:
        review.decide(
            lab,
            principal,
            actor,
            asked,
            decision=decision,
            comment=comment,
            on_approved=on_approved,
        )
    except BaseException:
        if staged is not None:
            deploy.discard(lab, staged)
        raise
    return _out(lab, asked.id)


def withdraw_promotion(
    lab: Lab, principal: Principal, actor: Actor, promotion_id: str
) -> PromotionOut:
    """The author takes back a pending promotion request; nothing is deployed, and the
    model version may be asked for again."""
    asked = _authorized(lab, principal, AccessAction.READ, promotion_id, actor.request_id)
    with lab.read() as session:
        promotion = session.get(Promotion, asked.id)
    if promotion is None:
        raise NotFound(f"no promotion request {promotion_id!r}")
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.PROMOTE,
        f"models/{promotion.model_name}/versions/{promotion.model_version}",
        tenant=asked.tenant,
        zone=promotion.model_zone,
        request_id=actor.request_id,
    )
    review.withdraw(lab, principal, actor, asked, AuditAction.PROMOTION_WITHDRAW)
    return _out(lab, asked.id)


def _authorized(
    lab: Lab, principal: Principal, action: str, promotion_id: str, request_id: str | None
) -> ReleaseRequest:
    """The request once the caller passed the chokepoint for it, asked in the request's
    tenant (or the platform's for one that is not there), before anything is answered."""
    with lab.read() as session:
        found = session.get(ReleaseRequest, promotion_id)
    if found is not None and found.kind != PROMOTION:
        found = None
    lab.chokepoint.authorize_named(
        principal,
        action,
        f"promotions/{promotion_id}",
        tenant=found.tenant if found is not None else PLATFORM,
        zone=PRODUCTION,
        request_id=request_id,
    )
    if found is None:
        raise NotFound(f"no promotion request {promotion_id!r}")
    return found


def _out(lab: Lab, promotion_id: str) -> PromotionOut:
    with lab.read() as session:
        request = session.get(ReleaseRequest, promotion_id)
        promotion = session.get(Promotion, promotion_id)
        if request is None or promotion is None:
            raise NotFound(f"no promotion request {promotion_id!r}")
        return PromotionOut.of(request, promotion, review.reviews_of(session, [promotion_id]))


def _model_version(
    session: Session, tenant: str, zone: str, name: str, version: int
) -> ModelVersion:
    row = session.scalar(
        sa.select(ModelVersion)
        .join(Model, Model.id == ModelVersion.model_id)
        .where(
            Model.tenant == tenant,
            Model.zone == zone,
            Model.name == name,
            ModelVersion.version == version,
        )
    )
    if row is None:
        raise NotFound(f"no version {version} of model {name!r} in {zone!r}")
    if row.status != REGISTERED:
        raise Conflict(f"model {name!r} version {version} is {row.status}: it cannot be promoted")
    state = session.scalar(
        sa.select(DatasetVersion.state).where(DatasetVersion.id == row.artifact_version_id)
    )
    if state != READY:
        raise Conflict(f"model {name!r} version {version}'s artifact was destroyed")
    return row


def _not_pending(session: Session, model_version_id: str) -> None:
    other = session.scalar(
        sa.select(ReleaseRequest.id)
        .join(Promotion, Promotion.request_id == ReleaseRequest.id)
        .where(Promotion.model_version_id == model_version_id, ReleaseRequest.state == PENDING)
    )
    if other is not None:
        raise Conflict(f"this model version already waits for review in promotion {other}")


def public_key(lab: Lab, principal: Principal, *, request_id: str | None = None) -> str:
    """The promotion public key (PEM) that verifies every deployment's manifest; created
    with the signing key on first use."""
    lab.chokepoint.authorize(
        principal,
        action=AccessAction.READ,
        resource="promotions/public-key",
        zone=PRODUCTION,
        request_id=request_id,
    )
    with lab.transaction() as session:
        key = promotion_signing_key(session, lab.master_key)
    return manifests.public_key_pem(key.public_key())
