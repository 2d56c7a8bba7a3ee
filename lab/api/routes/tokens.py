"""Tokens: issued to a user by an admin or the tenant's owner, or by users for themselves."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from lab.actions.identity import add_token, drop_token
from lab.api.deps import Access, db, get_lab, require
from lab.api.schemas import IssuedTokenOut, TokenIn, TokenOut
from lab.context import Lab
from lab.identity.models import User
from lab.identity.tokens import list_tokens
from lab.identity.users import get_user

router = APIRouter(prefix="/v1", tags=["tokens"])


def _issue(lab: Lab, session: Session, access: Access, user: User, body: TokenIn) -> IssuedTokenOut:
    issued = add_token(
        lab, session, access.as_actor(), user, ttl_days=body.ttl_days, name=body.name
    )
    return IssuedTokenOut(**TokenOut.of(issued.token).model_dump(), token=issued.secret)


def _revoke(lab: Lab, session: Session, access: Access, user: User, token_id: str) -> TokenOut:
    return TokenOut.of(drop_token(lab, session, access.as_actor(), user, token_id))


@router.get("/users/{user}/tokens", response_model=list[TokenOut])
def user_tokens_list(
    user: str,
    access: Access = require("read", "users/{user}/tokens", tenant="user"),
    session: Session = Depends(db),
) -> list[TokenOut]:
    return [TokenOut.of(t) for t in list_tokens(session, get_user(session, user))]


@router.post("/users/{user}/tokens", response_model=IssuedTokenOut, status_code=201)
def user_tokens_issue(
    user: str,
    body: TokenIn,
    access: Access = require("create", "users/{user}/tokens", tenant="user"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> IssuedTokenOut:
    return _issue(lab, session, access, get_user(session, user), body)


@router.delete("/users/{user}/tokens/{token_id}", response_model=TokenOut)
def user_tokens_revoke(
    user: str,
    token_id: str,
    access: Access = require("delete", "users/{user}/tokens/{token_id}", tenant="user"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> TokenOut:
    return _revoke(lab, session, access, get_user(session, user), token_id)


@router.get("/me/tokens", response_model=list[TokenOut])
def my_tokens_list(
    access: Access = require("read", "me/tokens", tenant="self"),
    session: Session = Depends(db),
) -> list[TokenOut]:
    return [TokenOut.of(t) for t in list_tokens(session, get_user(session, access.actor))]


@router.post("/me/tokens", response_model=IssuedTokenOut, status_code=201)
def my_tokens_issue(
    body: TokenIn,
    access: Access = require("create", "me/tokens", tenant="self"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> IssuedTokenOut:
    return _issue(lab, session, access, get_user(session, access.actor), body)


@router.delete("/me/tokens/{token_id}", response_model=TokenOut)
def my_tokens_revoke(
    token_id: str,
    access: Access = require("delete", "me/tokens/{token_id}", tenant="self"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> TokenOut:
    return _revoke(lab, session, access, get_user(session, access.actor), token_id)
