"""Deployed models in the production zone: list, show, roll back, retire.

Reading needs `read` on `production/deployments[/<name>]` in the model owner's tenant;
rolling back and retiring need `update` there (the tenant's owner, by the seed policy).
Exactly one deployment of a (tenant, name) is active at a time, the database holds it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.db.base import utcnow
from lab.errors import Conflict, NotFound
from lab.promotions.models import (
    ACTIVE,
    PRODUCTION,
    RETIRED,
    ROLLED_BACK,
    Deployment,
)
from lab.promotions.schemas import DeploymentOut


def list_deployments(
    lab: Lab, principal: Principal, *, tenant: str, request_id: str | None = None
) -> list[DeploymentOut]:
    """The tenant's deployments, by name then newest first."""
    _authorize(lab, principal, AccessAction.READ, tenant, "deployments", request_id)
    with lab.read() as session:
        rows = session.scalars(
            sa.select(Deployment)
            .where(Deployment.tenant == tenant, Deployment.zone == PRODUCTION)
            .order_by(Deployment.name, Deployment.version.desc())
        )
        return [DeploymentOut.of(r) for r in rows]


def deployment_versions(
    lab: Lab, principal: Principal, *, tenant: str, name: str, request_id: str | None = None
) -> list[DeploymentOut]:
    """Every deployment of one model name, newest first."""
    _authorize(lab, principal, AccessAction.READ, tenant, f"deployments/{name}", request_id)
    with lab.read() as session:
        rows = _of_name(session, tenant, name)
    if not rows:
        raise NotFound(f"no deployment of model {name!r}")
    return [DeploymentOut.of(r) for r in rows]


def rollback(
    lab: Lab, principal: Principal, actor: Actor, *, tenant: str, name: str, to: int, reason: str
) -> DeploymentOut:
    """Activate an earlier deployment (promoted, signed) again; the active one, if any,
    becomes `rolled_back`. Rolling forward is a new promotion, not a rollback."""
    _authorize(lab, principal, AccessAction.UPDATE, tenant, f"deployments/{name}", actor.request_id)
    with lab.transaction() as session:
        rows = _of_name(session, tenant, name, lock=True)
        target = next((r for r in rows if r.version == to), None)
        if target is None:
            raise NotFound(f"no deployment {to} of model {name!r}")
        active = next((r for r in rows if r.status == ACTIVE), None)
        if target.status == ACTIVE:
            raise Conflict(f"deployment {to} of {name!r} is already active")
        if target.status == RETIRED:
            raise Conflict(f"deployment {to} of {name!r} was retired; promote it again")
        if active is not None and to > active.version:
            raise Conflict(f"deployment {to} is newer than the active {active.version}")
        if target.signature is None or target.manifest is None:
            raise Conflict(f"deployment {to} of {name!r} has no signed manifest")
        now = utcnow()
        if active is not None:
            active.status = ROLLED_BACK
            active.deactivated_at = now
            session.flush()
        target.status = ACTIVE
        target.activated_at = now
        target.deactivated_at = None
        session.flush()
        lab.auditor.change(
            session,
            actor,
            AuditAction.DEPLOYMENT_ROLLBACK,
            f"{PRODUCTION}/deployments/{name}/versions/{to}",
            tenant=tenant,
            zone=PRODUCTION,
            details={
                "deployment": target.id,
                "from_version": active.version if active is not None else None,
                "to_version": to,
                "model_version_id": target.model_version_id,
                "reason": reason[:300],
            },
        )
        return DeploymentOut.of(target)


def retire(
    lab: Lab, principal: Principal, actor: Actor, *, tenant: str, name: str, reason: str
) -> DeploymentOut:
    """Take the active deployment out of use: nothing of the name is loaded any more."""
    _authorize(lab, principal, AccessAction.UPDATE, tenant, f"deployments/{name}", actor.request_id)
    with lab.transaction() as session:
        rows = _of_name(session, tenant, name, lock=True)
        if not rows:
            raise NotFound(f"no deployment of model {name!r}")
        active = next((r for r in rows if r.status == ACTIVE), None)
        if active is None:
            raise Conflict(f"model {name!r} has no active deployment to retire")
        active.status = RETIRED
        active.deactivated_at = utcnow()
        session.flush()
        lab.auditor.change(
            session,
            actor,
            AuditAction.DEPLOYMENT_RETIRE,
            f"{PRODUCTION}/deployments/{name}/versions/{active.version}",
            tenant=tenant,
            zone=PRODUCTION,
            details={"deployment": active.id, "reason": reason[:300]},
        )
        return DeploymentOut.of(active)


def _authorize(
    lab: Lab, principal: Principal, action: str, tenant: str, resource: str, rid: str | None
) -> None:
    lab.chokepoint.authorize_named(
        principal, action, resource, tenant=tenant, zone=PRODUCTION, request_id=rid
    )


def _of_name(session: Session, tenant: str, name: str, *, lock: bool = False) -> list[Deployment]:
    query = (
        sa.select(Deployment)
        .where(Deployment.tenant == tenant, Deployment.zone == PRODUCTION, Deployment.name == name)
        .order_by(Deployment.version.desc())
    )
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query))
