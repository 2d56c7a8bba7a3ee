"""Request and response bodies shared by the identity routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from lab.identity.models import Tenant, Token, User


class TenantIn(BaseModel):
    slug: str = Field(description="Short id used in paths and policies, e.g. `acme`.")
    name: str = Field(description="The organisation's name.")


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
    name: str = Field(description="Login name, e.g. `alice`.")
    display_name: str = ""
    roles: list[str] = Field(
        default_factory=list,
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


class TokenIn(BaseModel):
    name: str = Field(default="", description="A label to recognise the token by.")
    ttl_days: int | None = Field(
        default=None, ge=1, le=3650, description="Lifetime; default from the lab settings."
    )


class TokenOut(BaseModel):
    id: str
    user: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked: bool
    created_by: str

    @classmethod
    def of(cls, token: Token) -> TokenOut:
        return cls(
            id=token.id,
            user=token.user.name,
            name=token.name,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked=token.revoked_at is not None,
            created_by=token.created_by,
        )


class IssuedTokenOut(TokenOut):
    token: str = Field(description="The bearer token. It is shown this once and never again.")


class MeOut(BaseModel):
    name: str
    tenant: str | None
    platform_roles: list[str]
    tenant_roles: dict[str, list[str]]
    token_id: str | None
