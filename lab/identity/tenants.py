"""Tenant service: create, find and list organisations. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.errors import Conflict, InvalidInput, NotFound
from lab.identity.models import Tenant
from lab.identity.names import check_tenant_slug


def create_tenant(session: Session, slug: str, name: str) -> Tenant:
    check_tenant_slug(slug)
    if not name.strip():
        raise InvalidInput("a tenant needs a name", field="name")
    if session.scalar(sa.select(Tenant.id).where(Tenant.slug == slug)) is not None:
        raise Conflict(f"tenant {slug!r} already exists")
    tenant = Tenant(slug=slug, name=name.strip())
    session.add(tenant)
    session.flush()
    return tenant


def find_tenant(session: Session, slug: str) -> Tenant | None:
    return session.scalar(sa.select(Tenant).where(Tenant.slug == slug))


def get_tenant(session: Session, slug: str) -> Tenant:
    tenant = find_tenant(session, slug)
    if tenant is None:
        raise NotFound(f"tenant {slug!r} not found")
    return tenant


def list_tenants(session: Session, only: Iterable[str] | None = None) -> list[Tenant]:
    query = sa.select(Tenant).order_by(Tenant.slug)
    if only is not None:
        query = query.where(Tenant.slug.in_(list(only)))
    return list(session.scalars(query))
