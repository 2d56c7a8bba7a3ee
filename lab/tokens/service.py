"""Tokens, one front door per action: list, issue, revoke.

A token is asked about as a thing of its user (`platform/users/<name>/tokens[/<id>]`, in the
user's tenant), or, when no user is named, as the caller's own (`platform/me/tokens`, in the
caller's tenant): the policy lets everyone manage their own tokens, and an admin or a
tenant's owner those of others. The API routes (`/users/{user}/tokens`, `/me/tokens`) and
the CLI (`lab tokens ...`) are thin adapters over these functions; each passes the
chokepoint before it reads the store, and issuing and revoking write their audit event in
the same transaction as the change.

`authenticate` is the door before the doors: the API (the bearer header) and the CLI
(`LAB_TOKEN`) both turn a token into a principal here, and a refused token is audited
whichever front end it was shown to.
"""

from __future__ import annotations

from datetime import timedelta

from lab.auditing import Actor
from lab.authz.chokepoint import PLATFORM, Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.errors import Unauthenticated
from lab.identity import tokens as token_store
from lab.identity.service import domain_of
from lab.identity.users import get_user
from lab.tokens.schemas import IssuedTokenOut, TokenOut


def authenticate(lab: Lab, bearer: str, *, request_id: str | None = None) -> Principal:
    """The principal behind a bearer token; a refused token is audited, then raised."""
    try:
        with lab.read() as session:
            who = token_store.authenticate(session, bearer)
            return Principal(user=who.user, tenant=who.tenant, token_id=who.token_id)
    except Unauthenticated as exc:
        with lab.transaction() as session:
            lab.auditor.record(
                session,
                actor="anonymous",
                action=AuditAction.AUTH_TOKEN,
                resource="platform/tokens",
                outcome="rejected",
                request_id=request_id,
                details={"reason": exc.message},
            )
        raise


def _authorize(
    lab: Lab,
    principal: Principal,
    action: AccessAction,
    user: str | None,
    suffix: str,
    request_id: str | None,
) -> str:
    """Pass the chokepoint for `user`'s tokens (the caller's own when None); return whose
    tokens they are."""
    if user is None:
        lab.chokepoint.authorize(
            principal,
            action=action,
            resource=f"me/tokens{suffix}",
            tenant=principal.tenant or PLATFORM,
            request_id=request_id,
        )
        return principal.user
    lab.chokepoint.authorize(
        principal,
        action=action,
        resource=f"users/{user}/tokens{suffix}",
        tenant=domain_of(lab, user),
        request_id=request_id,
        hide_unknown=True,
    )
    return user


def list_tokens(
    lab: Lab, principal: Principal, user: str | None, *, request_id: str | None = None
) -> list[TokenOut]:
    """A user's tokens, never their secrets; `user` None: the caller's own."""
    owner = _authorize(lab, principal, AccessAction.READ, user, "", request_id)
    with lab.read() as session:
        return [TokenOut.of(t) for t in token_store.list_tokens(session, get_user(session, owner))]


def issue_token(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    user: str | None,
    *,
    ttl_days: int | None = None,
    name: str = "",
) -> IssuedTokenOut:
    """A new token for `user` (the caller when None); its secret is in the answer only."""
    owner = _authorize(lab, principal, AccessAction.CREATE, user, "", actor.request_id)
    ttl = timedelta(days=ttl_days or lab.settings.token_ttl_days)
    with lab.transaction() as session:
        person = get_user(session, owner)
        issued = token_store.issue_token(session, person, ttl=ttl, name=name, created_by=actor.name)
        token = issued.token
        lab.auditor.change(
            session,
            actor,
            AuditAction.TOKEN_ISSUE,
            f"platform/users/{owner}/tokens/{token.id}",
            tenant=person.tenant_slug,
            details={"token_id": token.id, "expires_at": token.expires_at.isoformat()},
        )
        return IssuedTokenOut(**TokenOut.of(token).model_dump(), token=issued.secret)


def revoke_token(
    lab: Lab, principal: Principal, actor: Actor, user: str | None, token_id: str
) -> TokenOut:
    """Revoke one of `user`'s tokens (the caller's when None); it is refused at once."""
    owner = _authorize(lab, principal, AccessAction.DELETE, user, f"/{token_id}", actor.request_id)
    with lab.transaction() as session:
        person = get_user(session, owner)
        row = token_store.revoke_token(session, person, token_id)
        lab.auditor.change(
            session,
            actor,
            AuditAction.TOKEN_REVOKE,
            f"platform/users/{owner}/tokens/{token_id}",
            tenant=person.tenant_slug,
            details={"token_id": token_id},
        )
        return TokenOut.of(row)
