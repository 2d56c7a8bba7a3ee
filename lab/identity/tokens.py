"""Bearer tokens: random, shown once, stored only as a SHA-256 hash, expiring, revocable.

A token reads `lab_<id>_<secret>`. The id finds the row; the secret (32 random bytes) is
compared by hash in constant time. SHA-256 suffices for a 256-bit random secret: there is
nothing to brute-force, so a slow password hash would only cost latency.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.db.base import utcnow
from lab.errors import InvalidInput, NotFound, Unauthenticated
from lab.identity.models import Tenant, Token, User

PREFIX = "lab"
MAX_TTL = timedelta(days=3650)


@dataclass(frozen=True)
class IssuedToken:
    token: Token
    secret: str  # the whole bearer string; shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(
    session: Session, user: User, *, ttl: timedelta, name: str = "", created_by: str = ""
) -> IssuedToken:
    if user.disabled_at is not None:
        raise InvalidInput(f"user {user.name!r} is disabled")
    if ttl <= timedelta(0) or ttl > MAX_TTL:
        raise InvalidInput("token lifetime must be between 1 second and 10 years", field="ttl")
    token_id = secrets.token_hex(8)
    secret_part = secrets.token_urlsafe(32)
    bearer = f"{PREFIX}_{token_id}_{secret_part}"
    row = Token(
        id=token_id,
        user=user,
        secret_hash=_hash(bearer),
        name=name[:200],
        expires_at=utcnow() + ttl,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return IssuedToken(token=row, secret=bearer)


@dataclass(frozen=True)
class Bearer:
    """Who a live token speaks for."""

    token_id: str
    user: str
    tenant: str | None  # the user's tenant slug; None for platform users


_BEARER_QUERY = (
    sa.select(
        Token.secret_hash,
        Token.revoked_at,
        Token.expires_at,
        User.name,
        User.disabled_at,
        Tenant.slug,
    )
    .join(User, Token.user_id == User.id)
    .outerjoin(Tenant, User.tenant_id == Tenant.id)
    .where(Token.id == sa.bindparam("token_id"))
)
"""One indexed row of plain columns: this runs on every request, and loading the ORM
objects (token, user, tenant) cost more than the rest of authentication. Built once, with
the token id as a bound parameter: a statement built anew per request costs SQLAlchemy
its cache key and the matching of the cached result columns to the new statement's,
twice the time of running it."""


def authenticate(session: Session, bearer: str, *, now: datetime | None = None) -> Bearer:
    """The live token behind `bearer`, or Unauthenticated with a reason a client can show."""
    parts = bearer.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        raise Unauthenticated("malformed bearer token")
    row = session.execute(_BEARER_QUERY, {"token_id": parts[1]}).one_or_none()
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(bearer)):
        raise Unauthenticated("unknown token")
    moment = now or utcnow()
    if row.revoked_at is not None:
        raise Unauthenticated("token revoked")
    if row.expires_at <= moment:
        raise Unauthenticated("token expired")
    if row.disabled_at is not None:
        raise Unauthenticated("user disabled")
    return Bearer(token_id=parts[1], user=row.name, tenant=row.slug)


def list_tokens(session: Session, user: User) -> list[Token]:
    return list(
        session.scalars(sa.select(Token).where(Token.user_id == user.id).order_by(Token.created_at))
    )


def revoke_token(session: Session, user: User, token_id: str) -> Token:
    row = session.get(Token, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"token {token_id!r} not found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return row
