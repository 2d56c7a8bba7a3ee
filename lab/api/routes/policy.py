"""Policy administration: rules, role assignments, their history, and a dry-run.

Thin adapters over `lab.policy.service`, which authorizes, versions, audits and reloads:
after a change this process reloads at once, other processes within
`policy_refresh_seconds`.
"""

from __future__ import annotations

from fastapi import Depends, Query

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import MAX_INT64, PolicyTenantFilter, SubjectFilter, Tenant, page_size
from lab.authz.chokepoint import PLATFORM
from lab.context import Lab
from lab.policy import service
from lab.policy.schemas import (
    AssignmentBody,
    AssignmentOut,
    ChangeOut,
    DryRunBody,
    DryRunOut,
    RuleBody,
)

router = api_router(prefix="/v1", tags=["policy"])


@router.get("/policy/rules", response_model=list[RuleBody])
def rules_list(
    tenant: PolicyTenantFilter = None,
    caller: Caller = service_authorizes("read", "policy/rules"),
    lab: Lab = Depends(get_lab),
) -> list[RuleBody]:
    rules = service.list_rules(lab, caller.principal, tenant=tenant, request_id=caller.request_id)
    return [RuleBody.of(r) for r in rules]


@router.post("/policy/rules", response_model=ChangeOut, status_code=201)
def rules_add(
    body: RuleBody,
    caller: Caller = service_authorizes("create", "policy/rules"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return ChangeOut.of(service.add_rule(lab, caller.principal, caller.as_actor(), body.rule()))


@router.delete("/policy/rules", response_model=ChangeOut)
def rules_remove(
    body: RuleBody,
    caller: Caller = service_authorizes("delete", "policy/rules"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    change = service.remove_rule(lab, caller.principal, caller.as_actor(), body.rule())
    return ChangeOut.of(change)


def _assignments(
    lab: Lab, caller: Caller, tenant: str | None, subject: str | None
) -> list[AssignmentOut]:
    found = service.list_assignments(
        lab, caller.principal, tenant=tenant, subject=subject, request_id=caller.request_id
    )
    return [AssignmentOut.of(a) for a in found]


def _assign(lab: Lab, caller: Caller, body: AssignmentBody, tenant: str, add: bool) -> ChangeOut:
    change = service.assign_role if add else service.unassign_role
    return ChangeOut.of(
        change(lab, caller.principal, caller.as_actor(), body.subject, body.role, tenant=tenant)
    )


@router.get("/policy/assignments", response_model=list[AssignmentOut])
def assignments_list(
    subject: SubjectFilter = None,
    caller: Caller = service_authorizes("read", "policy/assignments"),
    lab: Lab = Depends(get_lab),
) -> list[AssignmentOut]:
    return _assignments(lab, caller, None, subject)


@router.get("/tenants/{tenant}/roles", response_model=list[AssignmentOut])
def tenant_roles_list(
    tenant: Tenant,
    caller: Caller = service_authorizes("read", "policy/assignments", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[AssignmentOut]:
    return _assignments(lab, caller, tenant, None)


@router.post("/tenants/{tenant}/roles", response_model=ChangeOut, status_code=201)
def tenant_roles_assign(
    tenant: Tenant,
    body: AssignmentBody,
    caller: Caller = service_authorizes("create", "policy/assignments", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return _assign(lab, caller, body, tenant, add=True)


@router.delete("/tenants/{tenant}/roles", response_model=ChangeOut)
def tenant_roles_unassign(
    tenant: Tenant,
    body: AssignmentBody,
    caller: Caller = service_authorizes("delete", "policy/assignments", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return _assign(lab, caller, body, tenant, add=False)


@router.post("/platform/roles", response_model=ChangeOut, status_code=201)
def platform_roles_assign(
    body: AssignmentBody,
    caller: Caller = service_authorizes("create", "policy/assignments"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return _assign(lab, caller, body, PLATFORM, add=True)


@router.delete("/platform/roles", response_model=ChangeOut)
def platform_roles_unassign(
    body: AssignmentBody,
    caller: Caller = service_authorizes("delete", "policy/assignments"),
    lab: Lab = Depends(get_lab),
) -> ChangeOut:
    return _assign(lab, caller, body, PLATFORM, add=False)


@router.get("/policy/history", response_model=list[ChangeOut])
def policy_history(
    limit: int = page_size(1000),
    before_version: int | None = Query(None, ge=1, le=MAX_INT64),
    caller: Caller = service_authorizes("read", "policy/history"),
    lab: Lab = Depends(get_lab),
) -> list[ChangeOut]:
    changes = service.policy_history(
        lab,
        caller.principal,
        limit=limit,
        before_version=before_version,
        request_id=caller.request_id,
    )
    return [ChangeOut.of(c) for c in changes]


@router.post("/policy/dry-run", response_model=DryRunOut)
def policy_dry_run(
    body: DryRunBody,
    caller: Caller = service_authorizes("read", "policy/rules"),
    lab: Lab = Depends(get_lab),
) -> DryRunOut:
    """Would `subject` in `tenant` be allowed `action` on `zone/resource`, and by which rule?
    With `change`: would the change be made (`findings`: why not, e.g. it would leave no
    one able to administer the policy), and what would the request get after it?"""
    return service.dry_run(
        lab, caller.principal, body.request(), change=body.change, request_id=caller.request_id
    )
