"""Users: members of a tenant, and platform staff (admins, compliance officers)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from lab.actions.identity import add_user, remove_user
from lab.api.deps import Access, db, get_lab, require
from lab.api.schemas import UserIn, UserOut
from lab.context import Lab
from lab.identity.models import User
from lab.identity.users import get_user, list_users

router = APIRouter(prefix="/v1", tags=["users"])


def user_out(lab: Lab, user: User) -> UserOut:
    if user.tenant_slug is None:
        return UserOut.of(user, lab.policy.platform_roles_of(user.name))
    return UserOut.of(user, lab.policy.roles_of(user.name, user.tenant_slug))


def _create(
    lab: Lab, session: Session, access: Access, body: UserIn, tenant: str | None
) -> UserOut:
    user = add_user(
        lab,
        session,
        access.as_actor(),
        body.name,
        tenant=tenant,
        roles=body.roles,
        display_name=body.display_name,
    )
    return UserOut.of(user, frozenset(body.roles))


@router.get("/tenants/{tenant}/users", response_model=list[UserOut])
def tenant_users_list(
    tenant: str,
    access: Access = require("read", "users", tenant="path"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> list[UserOut]:
    return [user_out(lab, u) for u in list_users(session, tenant=tenant)]


@router.post("/tenants/{tenant}/users", response_model=UserOut, status_code=201)
def tenant_users_create(
    tenant: str,
    body: UserIn,
    access: Access = require("create", "users", tenant="path"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> UserOut:
    return _create(lab, session, access, body, tenant)


@router.get("/platform/users", response_model=list[UserOut])
def staff_list(
    access: Access = require("read", "users"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> list[UserOut]:
    return [user_out(lab, u) for u in list_users(session, tenant=None)]


@router.post("/platform/users", response_model=UserOut, status_code=201)
def staff_create(
    body: UserIn,
    access: Access = require("create", "users"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> UserOut:
    return _create(lab, session, access, body, None)


@router.get("/users/{user}", response_model=UserOut)
def users_get(
    user: str,
    access: Access = require("read", "users/{user}", tenant="user"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> UserOut:
    return user_out(lab, get_user(session, user))


@router.delete("/users/{user}", response_model=UserOut)
def users_disable(
    user: str,
    access: Access = require("delete", "users/{user}", tenant="user"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> UserOut:
    row = remove_user(lab, session, access.as_actor(), user)
    return UserOut.of(row, frozenset())
