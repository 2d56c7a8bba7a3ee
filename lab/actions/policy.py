"""Audited policy changes: rules and role assignments, versioned by `lab.authz.admin`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lab.actions import Actor
from lab.authz import admin as policy_admin
from lab.authz.chokepoint import PLATFORM
from lab.context import Lab
from lab.errors import InvalidInput, NotFound
from lab.identity.users import get_user


def _audit(
    lab: Lab, session: Session, actor: Actor, change: policy_admin.PolicyChange, tenant: str
) -> policy_admin.PolicyChange:
    lab.auditor.change(
        session,
        actor,
        f"policy.{change.op}",
        "platform/policy",
        tenant=tenant,
        details={"version": change.version, **{k: str(v) for k, v in change.item.items()}},
    )
    return change


def change_rule(
    lab: Lab, session: Session, actor: Actor, rule: policy_admin.Rule, *, add: bool
) -> policy_admin.PolicyChange:
    if add:
        change = policy_admin.add_rule(session, actor.name, rule)
    else:
        change = policy_admin.remove_rule(session, actor.name, rule)
    return _audit(lab, session, actor, change, rule.tenant)


def change_assignment(
    lab: Lab, session: Session, actor: Actor, subject: str, role: str, tenant: str, *, add: bool
) -> policy_admin.PolicyChange:
    """Grant or withdraw a role: tenant roles to the tenant's users, platform roles to staff."""
    user = get_user(session, subject)
    if tenant == PLATFORM and user.tenant_slug is not None:
        raise InvalidInput(
            f"{subject!r} belongs to tenant {user.tenant_slug!r}; platform roles go to "
            "platform staff only"
        )
    if tenant != PLATFORM and user.tenant_slug != tenant:
        raise NotFound(f"user {subject!r} not found in tenant {tenant!r}")
    item = policy_admin.RoleAssignment(subject, role, tenant)
    if add:
        change = policy_admin.assign_role(session, actor.name, item)
    else:
        change = policy_admin.unassign_role(session, actor.name, item)
    return _audit(lab, session, actor, change, tenant)


def apply_rule_change(
    lab: Lab, actor: Actor, rule: policy_admin.Rule, *, add: bool
) -> policy_admin.PolicyChange:
    """`change_rule` in a transaction of its own, then this process reloads the policy.

    The reload must come after the commit (the engine reads committed rules), which is why
    this function, and not its caller, owns the transaction: the API route used to commit
    the request's session itself, behind the back of the unit of work that owns it."""
    with lab.transaction() as session:
        change = change_rule(lab, session, actor, rule, add=add)
    lab.policy.refresh(force=True)
    return change


def apply_assignment_change(
    lab: Lab, actor: Actor, subject: str, role: str, tenant: str, *, add: bool
) -> policy_admin.PolicyChange:
    """`change_assignment` in a transaction of its own, then the policy is reloaded."""
    with lab.transaction() as session:
        change = change_assignment(lab, session, actor, subject, role, tenant, add=add)
    lab.policy.refresh(force=True)
    return change
