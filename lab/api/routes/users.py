"""Users: members of a tenant, and platform staff (admins, compliance officers).

Thin adapters over `lab.identity.service`, which authorizes, acts and audits."""

from __future__ import annotations

from fastapi import Depends

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import Tenant, UserName
from lab.context import Lab
from lab.identity import service
from lab.identity.schemas import UserIn, UserOut

router = api_router(prefix="/v1", tags=["users"])


def _create(lab: Lab, caller: Caller, body: UserIn, tenant: str | None) -> UserOut:
    return service.create_user(
        lab,
        caller.principal,
        caller.as_actor(),
        body.name,
        tenant=tenant,
        roles=body.roles,
        display_name=body.display_name,
    )


@router.get("/tenants/{tenant}/users", response_model=list[UserOut])
def tenant_users_list(
    tenant: Tenant,
    caller: Caller = service_authorizes("read", "users", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[UserOut]:
    return service.list_users(lab, caller.principal, tenant=tenant, request_id=caller.request_id)


@router.post("/tenants/{tenant}/users", response_model=UserOut, status_code=201)
def tenant_users_create(
    tenant: Tenant,
    body: UserIn,
    caller: Caller = service_authorizes("create", "users", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> UserOut:
    return _create(lab, caller, body, tenant)


@router.get("/platform/users", response_model=list[UserOut])
def staff_list(
    caller: Caller = service_authorizes("read", "users"), lab: Lab = Depends(get_lab)
) -> list[UserOut]:
    return service.list_users(lab, caller.principal, tenant=None, request_id=caller.request_id)


@router.post("/platform/users", response_model=UserOut, status_code=201)
def staff_create(
    body: UserIn,
    caller: Caller = service_authorizes("create", "users"),
    lab: Lab = Depends(get_lab),
) -> UserOut:
    return _create(lab, caller, body, None)


@router.get("/users/{user}", response_model=UserOut)
def users_get(
    user: UserName,
    caller: Caller = service_authorizes("read", "users/{user}", tenant="user"),
    lab: Lab = Depends(get_lab),
) -> UserOut:
    return service.get_user(lab, caller.principal, user, request_id=caller.request_id)


@router.delete("/users/{user}", response_model=UserOut)
def users_disable(
    user: UserName,
    caller: Caller = service_authorizes("delete", "users/{user}", tenant="user"),
    lab: Lab = Depends(get_lab),
) -> UserOut:
    return service.disable_user(lab, caller.principal, caller.as_actor(), user)
