"""Tenants: organisations whose people, data and keys are isolated from each other."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from lab.actions.identity import add_tenant
from lab.api.deps import Access, db, get_lab, require
from lab.api.schemas import TenantIn, TenantOut
from lab.context import Lab
from lab.errors import InvalidInput
from lab.identity.tenants import get_tenant, list_tenants
from lab.retention.offboarding import offboard_tenant

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


@router.get("", response_model=list[TenantOut])
def tenants_list(
    access: Access = require("read", "tenants"), session: Session = Depends(db)
) -> list[TenantOut]:
    return [TenantOut.of(t) for t in list_tenants(session)]


@router.post("", response_model=TenantOut, status_code=201)
def tenants_create(
    body: TenantIn,
    access: Access = require("create", "tenants"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> TenantOut:
    return TenantOut.of(add_tenant(lab, session, access.as_actor(), body.slug, body.name))


@router.get("/{tenant}", response_model=TenantOut)
def tenants_get(
    tenant: str,
    access: Access = require("read", "tenants/{tenant}", tenant="path"),
    session: Session = Depends(db),
) -> TenantOut:
    return TenantOut.of(get_tenant(session, tenant))


@router.delete("/{tenant}")
def tenant_offboard(
    tenant: str,
    confirm: str = Query(description="Repeat the tenant's slug to confirm."),
    access: Access = require("delete", "tenants/{tenant}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """Off-board a tenant: destroy all its data and keys in every zone, disable its people."""
    if confirm != tenant:
        raise InvalidInput("confirm must repeat the tenant's slug", field="confirm")
    return offboard_tenant(lab, access.as_actor(), tenant)
