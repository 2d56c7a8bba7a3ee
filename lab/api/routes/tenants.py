"""Tenants: organisations whose people, data and keys are isolated from each other.

Thin adapters over `lab.identity.service`, which authorizes, acts and audits."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import Tenant
from lab.context import Lab
from lab.errors import InvalidInput
from lab.identity import service
from lab.identity.schemas import TenantIn, TenantOut

router = api_router(prefix="/v1/tenants", tags=["tenants"])


@router.get("", response_model=list[TenantOut])
def tenants_list(
    caller: Caller = service_authorizes("read", "tenants"), lab: Lab = Depends(get_lab)
) -> list[TenantOut]:
    return service.list_tenants(lab, caller.principal, request_id=caller.request_id)


@router.post("", response_model=TenantOut, status_code=201)
def tenants_create(
    body: TenantIn,
    caller: Caller = service_authorizes("create", "tenants"),
    lab: Lab = Depends(get_lab),
) -> TenantOut:
    return service.create_tenant(
        lab, caller.principal, caller.as_actor(), slug=body.slug, name=body.name
    )


@router.get("/{tenant}", response_model=TenantOut)
def tenants_get(
    tenant: Tenant,
    caller: Caller = service_authorizes("read", "tenants/{tenant}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> TenantOut:
    return service.get_tenant(lab, caller.principal, tenant, request_id=caller.request_id)


@router.delete("/{tenant}")
def tenant_offboard(
    tenant: Tenant,
    confirm: str = Query(max_length=40, description="Repeat the tenant's slug to confirm."),
    caller: Caller = service_authorizes("delete", "tenants/{tenant}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """Off-board a tenant: destroy all its data and keys in every zone, disable its people."""
    if confirm != tenant:
        raise InvalidInput("confirm must repeat the tenant's slug", field="confirm")
    return service.offboard_tenant(lab, caller.principal, caller.as_actor(), tenant)
