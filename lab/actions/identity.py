"""Audited actions on tenants, users and tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from lab.actions import Actor
from lab.authz import admin as policy_admin
from lab.authz.chokepoint import PLATFORM
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.identity.models import Tenant, Token, User
from lab.identity.tenants import create_tenant
from lab.identity.tokens import IssuedToken, issue_token, revoke_token
from lab.identity.users import create_user, disable_user


def add_tenant(lab: Lab, session: Session, actor: Actor, slug: str, name: str) -> Tenant:
    tenant = create_tenant(session, slug, name)
    lab.auditor.change(
        session,
        actor,
        AuditAction.TENANT_CREATE,
        f"platform/tenants/{tenant.slug}",
        tenant=tenant.slug,
    )
    return tenant


def add_user(
    lab: Lab,
    session: Session,
    actor: Actor,
    name: str,
    *,
    tenant: str | None,
    roles: Sequence[str] = (),
    display_name: str = "",
) -> User:
    user = create_user(session, name, tenant=tenant, display_name=display_name)
    for role in roles:
        policy_admin.assign_role(
            session, actor.name, policy_admin.RoleAssignment(user.name, role, tenant or PLATFORM)
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


def remove_user(lab: Lab, session: Session, actor: Actor, name: str) -> User:
    user = disable_user(session, name)
    lab.auditor.change(
        session,
        actor,
        AuditAction.USER_DISABLE,
        f"platform/users/{user.name}",
        tenant=user.tenant_slug,
    )
    return user


def add_token(
    lab: Lab, session: Session, actor: Actor, user: User, *, ttl_days: int | None, name: str = ""
) -> IssuedToken:
    ttl = timedelta(days=ttl_days or lab.settings.token_ttl_days)
    issued = issue_token(session, user, ttl=ttl, name=name, created_by=actor.name)
    lab.auditor.change(
        session,
        actor,
        AuditAction.TOKEN_ISSUE,
        f"platform/users/{user.name}/tokens/{issued.token.id}",
        tenant=user.tenant_slug,
        details={"token_id": issued.token.id, "expires_at": issued.token.expires_at.isoformat()},
    )
    return issued


def drop_token(lab: Lab, session: Session, actor: Actor, user: User, token_id: str) -> Token:
    row = revoke_token(session, user, token_id)
    lab.auditor.change(
        session,
        actor,
        AuditAction.TOKEN_REVOKE,
        f"platform/users/{user.name}/tokens/{token_id}",
        tenant=user.tenant_slug,
        details={"token_id": token_id},
    )
    return row
