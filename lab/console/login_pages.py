"""Log in with a lab token, log out, and the start page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lab.authz.chokepoint import PLATFORM
from lab.context import Lab
from lab.errors import Unauthenticated
from lab.tokens.service import authenticate

from . import sessions
from .pages import CsrfRefused, Viewer, checked_form, get_lab, render, request_id, viewer

router = APIRouter()
TOKEN_MAX = 200


def _login_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    token = sessions.new_token()
    response = render(request, "login.html", {"login_csrf": token, "error": error}, status=status)
    sessions.set_login_csrf(request, response, token)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
def login(
    request: Request,
    token: str = Form("", max_length=TOKEN_MAX),
    csrf: str = Form("", max_length=100),
    lab: Lab = Depends(get_lab),
) -> Response:
    """Check the token as the API does (a refusal is audited there) and start a session."""
    if not sessions.same(csrf, request.cookies.get(sessions.LOGIN_COOKIE)):
        raise CsrfRefused
    try:
        authenticate(lab, token.strip(), request_id=request_id(request))
    except Unauthenticated:
        return _login_page(request, "That token was not accepted.", status=401)
    response = RedirectResponse("/console/", status_code=303)
    sessions.start_session(request, response, token.strip())
    return response


@router.post("/logout")
def logout(fields: dict[str, str] = Depends(checked_form)) -> Response:
    response = RedirectResponse("/console/login", status_code=303)
    sessions.end_session(response)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, who: Viewer = Depends(viewer)) -> Response:
    who.authorize("read", "me", tenant=who.principal.tenant or PLATFORM)
    return render(request, "home.html", {"who": who, "tenant": who.principal.tenant})
