"""What the tenant and user actions accept and return, shared by the service, the API and
the CLI. The service builds these views itself, inside its session, so a front end never
touches a row of the identity store."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from lab.identity.models import Tenant, User


class TenantIn(BaseModel):
    slug: str = Field(
        max_length=40, description="Short id used in paths and policies, e.g. `acme`."
    )
    name: str = Field(max_length=200, description="The organisation's name.")


class TenantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    status: str
    created_at: datetime

    @classmethod
    def of(cls, tenant: Tenant) -> TenantOut:
        return cls.model_validate(tenant)


class UserIn(BaseModel):
    name: str = Field(max_length=64, description="Login name, e.g. `alice`.")
    display_name: str = Field(default="", max_length=200)
    roles: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        default_factory=list,
        max_length=16,
        description="Roles to grant at once: in the tenant (owner, engineer, viewer), "
        "or platform-wide for staff (admin, compliance, output_checker).",
    )


class UserOut(BaseModel):
    name: str
    display_name: str
    tenant: str | None
    roles: list[str]
    disabled: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User, roles: frozenset[str]) -> UserOut:
        return cls(
            name=user.name,
            display_name=user.display_name,
            tenant=user.tenant_slug,
            roles=sorted(roles),
            disabled=user.disabled_at is not None,
            created_at=user.created_at,
        )


class MeOut(BaseModel):
    name: str
    tenant: str | None
    platform_roles: list[str]
    tenant_roles: dict[str, list[str]]
    token_id: str | None
