"""Console sessions: an encrypted, authenticated cookie holding the bearer token.

Why a Fernet cookie and not a session table: the console is served by every `lab serve`
process, so a session must be readable by all of them, and the cookie needs no new table,
no cleanup job and no write per login. The cookie is sealed with Fernet (AES-CBC +
HMAC-SHA256, from `cryptography`) under a key kept wrapped by the master key in the keyring
(`console/session`, loaded once when the console app is made), so only the lab can open
it; it is HttpOnly (no script reads it), SameSite=Strict, Path=/console and Secure over
https. Every request re-authenticates the
token inside with the same `authenticate` as the API, so a revoked or expired token ends
the session at once, and the cookie itself expires after `SESSION_SECONDS`.
Log out deletes the cookie in the browser; a copy stolen before that stays usable until
its token is revoked or the cookie expires (the trade-off for holding no server state).

Each session carries its own random CSRF token, sent back in a hidden field of every form.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request, Response
from sqlalchemy.exc import IntegrityError

from lab.context import Lab
from lab.keys.keyring import get_or_create_secret

COOKIE = "lab_console"
LOGIN_COOKIE = "lab_console_login"  # the CSRF token of the login form, before a session
PATH = "/console"
SESSION_SECONDS = 8 * 3600
KEY_NAME = "console/session"


@dataclass(frozen=True)
class Session:
    bearer: str
    csrf: str


def load_key(lab: Lab) -> Fernet:
    """The session key, read from the keyring (created there on first use). Called once,
    when the console app is made (`create_console`): a metastore read or write, so never
    on the event loop, where the first error page of a process would otherwise pay it."""
    try:
        with lab.transaction() as session:
            raw = get_or_create_secret(session, lab.master_key, KEY_NAME, kind="console")
    except IntegrityError:  # another process created it first: read theirs
        with lab.transaction() as session:
            raw = get_or_create_secret(session, lab.master_key, KEY_NAME, kind="console")
    return Fernet(base64.urlsafe_b64encode(raw))


def _fernet(request: Request) -> Fernet:
    """The key the console app loaded when it was made."""
    key: Fernet = request.app.state.console_fernet
    return key


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens; a missing one never matches."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def open_session(request: Request) -> Session | None:
    """The session of the request's cookie, or None (absent, forged, expired)."""
    sealed = request.cookies.get(COOKIE)
    if not sealed:
        return None
    try:
        data = json.loads(_fernet(request).decrypt(sealed.encode(), ttl=SESSION_SECONDS))
        return Session(bearer=str(data["t"]), csrf=str(data["c"]))
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def start_session(request: Request, response: Response, bearer: str) -> None:
    sealed = _fernet(request).encrypt(json.dumps({"t": bearer, "c": new_token()}).encode())
    response.set_cookie(
        COOKIE,
        sealed.decode(),
        max_age=SESSION_SECONDS,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path=PATH)


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict")


def set_login_csrf(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
