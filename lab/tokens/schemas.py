"""What the token actions accept and return, shared by the service, the API and the CLI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from lab.identity.models import Token


class TokenIn(BaseModel):
    name: str = Field(default="", max_length=200, description="A label to recognise the token by.")
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
