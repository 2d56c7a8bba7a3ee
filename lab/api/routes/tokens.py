"""Tokens: issued to a user by an admin or the tenant's owner, or by users for themselves.

Thin adapters over `lab.tokens.service`; `/me/tokens` are the caller's own (user None)."""

from __future__ import annotations

from fastapi import Depends

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import Identifier, UserName
from lab.context import Lab
from lab.tokens import service
from lab.tokens.schemas import IssuedTokenOut, TokenIn, TokenOut

router = api_router(prefix="/v1", tags=["tokens"])


def _list(lab: Lab, caller: Caller, user: str | None) -> list[TokenOut]:
    return service.list_tokens(lab, caller.principal, user, request_id=caller.request_id)


def _issue(lab: Lab, caller: Caller, user: str | None, body: TokenIn) -> IssuedTokenOut:
    return service.issue_token(
        lab, caller.principal, caller.as_actor(), user, ttl_days=body.ttl_days, name=body.name
    )


def _revoke(lab: Lab, caller: Caller, user: str | None, token_id: str) -> TokenOut:
    return service.revoke_token(lab, caller.principal, caller.as_actor(), user, token_id)


@router.get("/users/{user}/tokens", response_model=list[TokenOut])
def user_tokens_list(
    user: UserName,
    caller: Caller = service_authorizes("read", "users/{user}/tokens", tenant="user"),
    lab: Lab = Depends(get_lab),
) -> list[TokenOut]:
    return _list(lab, caller, user)


@router.post("/users/{user}/tokens", response_model=IssuedTokenOut, status_code=201)
def user_tokens_issue(
    user: UserName,
    body: TokenIn,
    caller: Caller = service_authorizes("create", "users/{user}/tokens", tenant="user"),
    lab: Lab = Depends(get_lab),
) -> IssuedTokenOut:
    return _issue(lab, caller, user, body)


@router.delete("/users/{user}/tokens/{token_id}", response_model=TokenOut)
def user_tokens_revoke(
    user: UserName,
    token_id: Identifier,
    caller: Caller = service_authorizes("delete", "users/{user}/tokens/{token_id}", tenant="user"),
    lab: Lab = Depends(get_lab),
) -> TokenOut:
    return _revoke(lab, caller, user, token_id)


@router.get("/me/tokens", response_model=list[TokenOut])
def my_tokens_list(
    caller: Caller = service_authorizes("read", "me/tokens", tenant="self"),
    lab: Lab = Depends(get_lab),
) -> list[TokenOut]:
    return _list(lab, caller, None)


@router.post("/me/tokens", response_model=IssuedTokenOut, status_code=201)
def my_tokens_issue(
    body: TokenIn,
    caller: Caller = service_authorizes("create", "me/tokens", tenant="self"),
    lab: Lab = Depends(get_lab),
) -> IssuedTokenOut:
    return _issue(lab, caller, None, body)


@router.delete("/me/tokens/{token_id}", response_model=TokenOut)
def my_tokens_revoke(
    token_id: Identifier,
    caller: Caller = service_authorizes("delete", "me/tokens/{token_id}", tenant="self"),
    lab: Lab = Depends(get_lab),
) -> TokenOut:
    return _revoke(lab, caller, None, token_id)
