"""User service: people of a tenant, or platform staff (no tenant). Caller owns the transaction."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.authz.request import PLATFORM
from lab.db.base import utcnow
from lab.errors import Conflict, NotFound
from lab.identity.models import Token, User
from lab.identity.names import check_user_name
from lab.identity.tenants import get_tenant


def create_user(session: Session, name: str, *, tenant: str | None, display_name: str = "") -> User:
    check_user_name(name)
    if session.scalar(sa.select(User.id).where(User.name == name)) is not None:
        raise Conflict(f"user {name!r} already exists")
    tenant_row = get_tenant(session, tenant) if tenant is not None else None
    user = User(name=name, display_name=display_name.strip(), tenant=tenant_row)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, name: str) -> User | None:
    return session.scalar(sa.select(User).where(User.name == name))


def get_user(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise NotFound(f"user {name!r} not found")
    return user


def policy_domain(session: Session, name: str) -> str:
    """The policy domain a user's things live in: their tenant, or `*` for platform staff
    and for names that are no user (so that asking about them reveals nothing)."""
    user = find_user(session, name)
    return (user.tenant_slug if user is not None else None) or PLATFORM


def list_users(session: Session, *, tenant: str | None) -> list[User]:
    """Users of `tenant`, or platform staff when `tenant` is None."""
    query = sa.select(User).order_by(User.name)
    if tenant is None:
        query = query.where(User.tenant_id.is_(None))
    else:
        query = query.where(User.tenant_id == get_tenant(session, tenant).id)
    return list(session.scalars(query))


def disable_user(session: Session, name: str) -> User:
    """Disable a user and revoke every live token of theirs at once."""
    user = get_user(session, name)
    now = utcnow()
    if user.disabled_at is None:
        user.disabled_at = now
    session.execute(
        sa.update(Token)
        .where(Token.user_id == user.id, Token.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.flush()
    return user
