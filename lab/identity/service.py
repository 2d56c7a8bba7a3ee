"""Tenants and users, one front door per action: list, create, show, disable, off-board,
and who-am-I.

The API routes and the CLI commands are thin adapters over these functions. They used to
carry their own copies: the route asked the chokepoint through a dependency, the command
through `lab.cli.common.authorize`, each read the identity store itself, and the two
disagreed on how a user named by someone with no standing is refused.

Every function passes the chokepoint first, as the acting principal, for the object the
action is about (`platform/tenants/<slug>`, `platform/users/<name>`) in the tenant it
belongs to; only then does it read or change the store, and a change writes its audit
event in the same transaction. A user is looked up by name only to learn the tenant to ask
in (`policy_domain`), which says nothing about whether the user exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.auditing import Actor
from lab.authz import admin as policy_admin
from lab.authz.chokepoint import PLATFORM, Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.identity import tenants as tenant_store
from lab.identity import tokens as token_store
from lab.identity import users as user_store
from lab.identity.models import User
from lab.identity.schemas import MeOut, TenantOut, UserOut
from lab.identity.tokens import IssuedToken
from lab.policy import lockout
from lab.retention.offboarding import destroy_tenant

INIT = "system:init"


def initialise(lab: Lab, admin: str) -> IssuedToken | None:
    """A new lab's baseline policy and first platform admin, with a token; None when the
    lab has people already (it is left as it is). No principal asks: whoever holds the lab
    home and its master key is the operator, and the event says so."""
    with lab.transaction() as session:
        if session.scalar(sa.select(sa.func.count()).select_from(User)):
            return None
        added = policy_admin.seed(session, INIT)
        user = user_store.create_user(session, admin, tenant=None, display_name="first admin")
        policy_admin.assign_role(
            session, INIT, policy_admin.RoleAssignment(admin, "admin", PLATFORM)
        )
        issued = token_store.issue_token(
            session,
            user,
            ttl=timedelta(days=lab.settings.token_ttl_days),
            name="first admin token",
            created_by=INIT,
        )
        lab.auditor.record(
            session,
            actor=INIT,
            action=AuditAction.LAB_INIT,
            resource="platform/lab",
            details={"admin": admin, "seed_rules": added, "token_id": issued.token.id},
        )
    lab.policy.refresh(force=True)  # this process decides by the new policy at once
    return issued


def _authorize(
    lab: Lab,
    principal: Principal,
    action: AccessAction,
    resource: str,
    *,
    tenant: str,
    request_id: str | None,
    named: bool,
) -> None:
    """`named`: the caller named the tenant or user, so a refusal to someone with no
    standing there looks exactly like a missing one."""
    lab.chokepoint.authorize(
        principal,
        action=action,
        resource=resource,
        tenant=tenant,
        request_id=request_id,
        hide_unknown=named,
    )


def domain_of(lab: Lab, user: str) -> str:
    """The tenant a user's things are asked about in (`*` for staff and for no user)."""
    with lab.read() as session:
        return user_store.policy_domain(session, user)


def _view(lab: Lab, user: User) -> UserOut:
    if user.tenant_slug is None:
        return UserOut.of(user, lab.policy.platform_roles_of(user.name))
    return UserOut.of(user, lab.policy.roles_of(user.name, user.tenant_slug))


# -- tenants -------------------------------------------------------------------------------


def list_tenants(
    lab: Lab, principal: Principal, *, request_id: str | None = None
) -> list[TenantOut]:
    """Every tenant, by slug."""
    _authorize(
        lab,
        principal,
        AccessAction.READ,
        "tenants",
        tenant=PLATFORM,
        request_id=request_id,
        named=False,
    )
    with lab.read() as session:
        return [TenantOut.of(t) for t in tenant_store.list_tenants(session)]


def create_tenant(
    lab: Lab, principal: Principal, actor: Actor, *, slug: str, name: str
) -> TenantOut:
    """A new tenant (an organisation), audited."""
    _authorize(
        lab,
        principal,
        AccessAction.CREATE,
        "tenants",
        tenant=PLATFORM,
        request_id=actor.request_id,
        named=False,
    )
    with lab.transaction() as session:
        tenant = tenant_store.create_tenant(session, slug, name)
        lab.auditor.change(
            session,
            actor,
            AuditAction.TENANT_CREATE,
            f"platform/tenants/{tenant.slug}",
            tenant=tenant.slug,
        )
        return TenantOut.of(tenant)


def get_tenant(
    lab: Lab, principal: Principal, slug: str, *, request_id: str | None = None
) -> TenantOut:
    _authorize(
        lab,
        principal,
        AccessAction.READ,
        f"tenants/{slug}",
        tenant=slug,
        request_id=request_id,
        named=True,
    )
    with lab.read() as session:
        return TenantOut.of(tenant_store.get_tenant(session, slug))


def offboard_tenant(lab: Lab, principal: Principal, actor: Actor, slug: str) -> dict[str, Any]:
    """Destroy all of a tenant's data and keys in every zone and disable its people; the
    summary receipt is the audit event (`lab.retention.offboarding` does the destroying)."""
    _authorize(
        lab,
        principal,
        AccessAction.DELETE,
        f"tenants/{slug}",
        tenant=slug,
        request_id=actor.request_id,
        named=True,
    )
    return destroy_tenant(lab, actor, slug)


# -- users ---------------------------------------------------------------------------------


def list_users(
    lab: Lab, principal: Principal, *, tenant: str | None, request_id: str | None = None
) -> list[UserOut]:
    """A tenant's users, or platform staff when `tenant` is None, with their roles."""
    _authorize(
        lab,
        principal,
        AccessAction.READ,
        "users",
        tenant=tenant or PLATFORM,
        request_id=request_id,
        named=tenant is not None,
    )
    with lab.read() as session:
        return [_view(lab, u) for u in user_store.list_users(session, tenant=tenant)]


def create_user(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    name: str,
    *,
    tenant: str | None,
    roles: Sequence[str] = (),
    display_name: str = "",
) -> UserOut:
    """A user of `tenant` (or platform staff when None) holding `roles` there, audited."""
    domain = tenant or PLATFORM
    _authorize(
        lab,
        principal,
        AccessAction.CREATE,
        "users",
        tenant=domain,
        request_id=actor.request_id,
        named=tenant is not None,
    )
    with lab.transaction() as session:
        user = _add_user(lab, session, actor, name, domain, tenant, roles, display_name)
        made = UserOut.of(user, frozenset(roles))
    if roles:  # this process decides by the new roles at once; others within their delay
        lab.policy.refresh(force=True)
    return made


def _add_user(
    lab: Lab,
    session: Session,
    actor: Actor,
    name: str,
    domain: str,
    tenant: str | None,
    roles: Sequence[str],
    display_name: str,
) -> User:
    user = user_store.create_user(session, name, tenant=tenant, display_name=display_name)
    for role in roles:
        policy_admin.assign_role(
            session, actor.name, policy_admin.RoleAssignment(user.name, role, domain)
        )
    lab.auditor.change(
        session,
        actor,
        AuditAction.USER_CREATE,
        f"platform/users/{user.name}",
        tenant=tenant,
        details={"roles": sorted(roles)},
    )
    return user


def get_user(
    lab: Lab, principal: Principal, name: str, *, request_id: str | None = None
) -> UserOut:
    _authorize(
        lab,
        principal,
        AccessAction.READ,
        f"users/{name}",
        tenant=domain_of(lab, name),
        request_id=request_id,
        named=True,
    )
    with lab.read() as session:
        return _view(lab, user_store.get_user(session, name))


def disable_user(lab: Lab, principal: Principal, actor: Actor, name: str) -> UserOut:
    """Disable a user and revoke all their tokens at once, audited; refused (WouldLockOut)
    for the last user able to administer the policy (lab.policy.lockout)."""
    _authorize(
        lab,
        principal,
        AccessAction.DELETE,
        f"users/{name}",
        tenant=domain_of(lab, name),
        request_id=actor.request_id,
        named=True,
    )
    resource = f"platform/users/{name}"
    with lockout.guarded(lab, actor, f"disabling {name}", resource) as session:
        user = user_store.disable_user(session, name)
        lab.auditor.change(
            session,
            actor,
            AuditAction.USER_DISABLE,
            f"platform/users/{user.name}",
            tenant=user.tenant_slug,
        )
        return UserOut.of(user, frozenset())


def whoami(lab: Lab, principal: Principal, *, request_id: str | None = None) -> MeOut:
    """The caller's identity and roles, as the policy sees them now."""
    _authorize(
        lab,
        principal,
        AccessAction.READ,
        "me",
        tenant=principal.tenant or PLATFORM,
        request_id=request_id,
        named=False,
    )
    name = principal.user
    return MeOut(
        name=name,
        tenant=principal.tenant,
        platform_roles=sorted(lab.policy.platform_roles_of(name)),
        tenant_roles={
            t: sorted(lab.policy.roles_of(name, t)) for t in sorted(lab.policy.tenants_of(name))
        },
        token_id=principal.token_id,
    )
