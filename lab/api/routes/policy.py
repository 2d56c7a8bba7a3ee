"""Policy administration: rules, role assignments, their history, and a dry-run.

Each change is versioned by `lab.authz.admin` and audited by `lab.actions.policy` in a
transaction of its own; after the commit this process reloads at once, other processes
within `policy_refresh_seconds`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lab.actions.policy import apply_assignment_change, apply_rule_change
from lab.api.deps import Access, db, get_lab, require
from lab.authz import admin as policy_admin
from lab.authz.chokepoint import PLATFORM
from lab.authz.request import AccessRequest
from lab.context import Lab

router = APIRouter(prefix="/v1", tags=["policy"])


class RuleBody(BaseModel):
    role: str
    tenant: str = Field(default="*", description="A tenant slug, or `*` for every tenant.")
    obj: str = Field(description="`<zone>/<resource>`, may end in `*`: `sandbox/datasets/*`.")
    action: str
    effect: str = Field(default="allow", description="`allow` or `deny`; deny wins.")

    def rule(self) -> policy_admin.Rule:
        return policy_admin.Rule(self.role, self.tenant, self.obj, self.action, self.effect)


class AssignmentBody(BaseModel):
    subject: str
    role: str


class AssignmentOut(BaseModel):
    subject: str
    role: str
    tenant: str


class ChangeOut(BaseModel):
    version: int
    actor: str
    at: datetime
    op: str
    item: dict[str, Any]


class DryRunBody(BaseModel):
    subject: str
    tenant: str = "*"
    zone: str = "platform"
    resource: str
    action: str


class DryRunOut(BaseModel):
    allowed: bool
    rule: list[str] | None
    reason: str
    policy_version: int


def _out(change: policy_admin.PolicyChange) -> ChangeOut:
    return ChangeOut(**change.__dict__)


@router.get("/policy/rules", response_model=list[RuleBody])
def rules_list(
    tenant: str | None = Query(None, description="Only rules of this tenant (or `*`)."),
    access: Access = require("read", "policy/rules"),
    session: Session = Depends(db),
) -> list[RuleBody]:
    return [RuleBody(**r.__dict__) for r in policy_admin.list_rules(session, tenant=tenant)]


@router.post("/policy/rules", response_model=ChangeOut, status_code=201)
def rules_add(
    body: RuleBody,
    access: Access = require("create", "policy/rules"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return _out(apply_rule_change(lab, access.as_actor(), body.rule(), add=True))


@router.delete("/policy/rules", response_model=ChangeOut)
def rules_remove(
    body: RuleBody,
    access: Access = require("delete", "policy/rules"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return _out(apply_rule_change(lab, access.as_actor(), body.rule(), add=False))


@router.get("/policy/assignments", response_model=list[AssignmentOut])
def assignments_list(
    subject: str | None = None,
    access: Access = require("read", "policy/assignments"),
    session: Session = Depends(db),
) -> list[AssignmentOut]:
    found = policy_admin.list_assignments(session, subject=subject)
    return [AssignmentOut(**a.__dict__) for a in found]


def _assign(lab: Lab, access: Access, body: AssignmentBody, tenant: str, add: bool) -> ChangeOut:
    change = apply_assignment_change(
        lab, access.as_actor(), body.subject, body.role, tenant, add=add
    )
    return _out(change)


@router.get("/tenants/{tenant}/roles", response_model=list[AssignmentOut])
def tenant_roles_list(
    tenant: str,
    access: Access = require("read", "policy/assignments", tenant="path"),
    session: Session = Depends(db),
) -> list[AssignmentOut]:
    found = policy_admin.list_assignments(session, tenant=tenant)
    return [AssignmentOut(**a.__dict__) for a in found]


@router.post("/tenants/{tenant}/roles", response_model=ChangeOut, status_code=201)
def tenant_roles_assign(
    tenant: str,
    body: AssignmentBody,
    access: Access = require("create", "policy/assignments", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return _assign(lab, access, body, tenant, add=True)


@router.delete("/tenants/{tenant}/roles", response_model=ChangeOut)
def tenant_roles_unassign(
    tenant: str,
    body: AssignmentBody,
    access: Access = require("delete", "policy/assignments", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return _assign(lab, access, body, tenant, add=False)


@router.post("/platform/roles", response_model=ChangeOut, status_code=201)
def platform_roles_assign(
    body: AssignmentBody,
    access: Access = require("create", "policy/assignments"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return _assign(lab, access, body, PLATFORM, add=True)


@router.delete("/platform/roles", response_model=ChangeOut)
def platform_roles_unassign(
    body: AssignmentBody,
    access: Access = require("delete", "policy/assignments"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return _assign(lab, access, body, PLATFORM, add=False)


@router.get("/policy/history", response_model=list[ChangeOut])
def policy_history(
    limit: int = Query(100, ge=1, le=1000),
    before_version: int | None = Query(None, ge=1),
    access: Access = require("read", "policy/history"),
    session: Session = Depends(db),
) -> list[ChangeOut]:
    changes = policy_admin.history(session, limit=limit, before_version=before_version)
    return [ChangeOut(**c.__dict__) for c in changes]


@router.post("/policy/dry-run", response_model=DryRunOut)
def policy_dry_run(
    body: DryRunBody,
    access: Access = require("read", "policy/rules"),
    lab: Lab = Depends(get_lab),
) -> DryRunOut:
    """Would `subject` in `tenant` be allowed `action` on `zone/resource`, and by which rule?"""
    lab.policy.refresh(force=True)
    decision = lab.policy.explain(AccessRequest(**body.model_dump()))
    return DryRunOut(
        allowed=decision.allowed,
        rule=list(decision.rule) if decision.rule else None,
        reason=decision.reason,
        policy_version=lab.policy.version,
    )
