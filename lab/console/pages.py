"""What every console page shares: the templates, the viewer, CSRF, and error pages.

A page never shows a stack trace: the lab's errors become a 403, 404, 400 or 409 page, a
missing or dead session a redirect to the login page, anything else a plain 500 page.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from lab.auditing import Actor
from lab.authz.chokepoint import PLATFORM, Principal
from lab.authz.request import Decision
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.errors import Conflict, Forbidden, InvalidInput, LabError, NotFound, Unauthenticated
from lab.tokens.service import authenticate
from lab.zones.registry import holds_full_data

from . import nav, sessions

log = logging.getLogger(__name__)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
LOGIN = "/console/login"


class LoginNeeded(Exception):
    """No live session: the page answers with a redirect to the login page."""


class CsrfRefused(Exception):
    """A form posted without its session's CSRF token (already audited)."""


@dataclass(frozen=True)
class Viewer:
    """Who looks at the page: the principal of the session's token, and the session."""

    principal: Principal
    session: sessions.Session
    request_id: str | None
    lab: Lab

    @property
    def user(self) -> str:
        return self.principal.user

    def as_actor(self) -> Actor:
        return Actor(self.principal.user, self.request_id)

    def authorize(
        self, action: str, resource: str, *, tenant: str = PLATFORM, zone: str = "platform"
    ) -> Decision:
        """The chokepoint, asked exactly as the API's `require` asks it (and audited)."""
        return self.lab.chokepoint.authorize(
            self.principal,
            action=action,
            resource=resource,
            zone=zone,
            tenant=tenant,
            request_id=self.request_id,
        )


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def get_lab(request: Request) -> Lab:
    lab: Lab = request.app.state.lab
    return lab


def viewer(request: Request, lab: Lab = Depends(get_lab)) -> Viewer:
    session = sessions.open_session(request)
    if session is None:
        raise LoginNeeded
    try:
        principal = authenticate(lab, session.bearer, request_id=request_id(request))
    except Unauthenticated as exc:  # revoked or expired since login: audited by authenticate
        raise LoginNeeded from exc
    return Viewer(principal, session, request_id(request), lab)


async def checked_form(request: Request, who: Viewer = Depends(viewer)) -> dict[str, str]:
    """The posted form, after its CSRF token matched the session's; else audited and 403."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not sessions.same(fields.get("csrf"), who.session.csrf):
        # the refusal is audited in a request thread: a metastore write, off the event loop
        await run_in_threadpool(_audit_csrf_refusal, who, request.url.path)
        raise CsrfRefused
    return fields


def _audit_csrf_refusal(who: Viewer, path: str) -> None:
    with who.lab.transaction() as session:
        who.lab.auditor.record(
            session,
            actor=who.user,
            action=AuditAction.CONSOLE_CSRF,
            resource=f"console{path.removeprefix('/console')}",
            outcome="rejected",
            request_id=who.request_id,
            details={"reason": "missing or wrong CSRF token"},
        )


def render(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    session = sessions.open_session(request)
    who = context.get("who")
    shown = who if isinstance(who, Viewer) else None
    base = {
        # asked once per zone and page, however many model versions the page shows
        "full_data": functools.cache(functools.partial(_full_data, get_lab(request))),
        "csrf": session.csrf if session else "",
        "user": shown.user if shown else None,
        # asked once per page, of the policy engine, not audited (lab/console/nav.py)
        "nav": nav.permitted(shown.lab.chokepoint, shown.principal) if shown else [],
        "path": request.url.path,
    }
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status)


def _full_data(lab: Lab, zone: str) -> bool:
    """Whether the zone's rules in force say it holds full data (`data: full`): what pages
    show of it differs (its plots leave only through a release request). Asked by a
    template, so only by the pages that show such things (in a request thread): the error
    pages, rendered on the event loop, never read the metastore."""
    with lab.read() as session:
        return holds_full_data(session, zone)


def _problem(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    context = {"title": title, "message": message, "status": status}
    return render(request, "error.html", context, status=status)


def install(app: FastAPI) -> None:
    """The console's error pages."""

    @app.exception_handler(LoginNeeded)
    async def _login(request: Request, exc: LoginNeeded) -> Response:
        response = RedirectResponse(LOGIN, status_code=303)
        if request.cookies.get(sessions.COOKIE):
            sessions.end_session(response)
        return response

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return _problem(
            request,
            403,
            "Form refused",
            "This form did not carry the security token of your session. Reload the page "
            "and try again.",
        )

    @app.exception_handler(LabError)
    async def _lab_error(request: Request, exc: LabError) -> Response:
        if isinstance(exc, Unauthenticated):
            response: Response = await _login(request, LoginNeeded())
            return response
        if isinstance(exc, Forbidden):
            return _problem(request, 403, "Not allowed", "You may not see or do this.")
        if isinstance(exc, NotFound):
            return _problem(request, 404, "Not found", "There is nothing here you may see.")
        if isinstance(exc, Conflict):
            return _problem(request, 409, "Not possible now", exc.message)
        if isinstance(exc, InvalidInput):
            return _problem(request, 400, "Invalid input", exc.message)
        return _problem(request, 500, "Something went wrong", "The lab could not do this.")

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("console page failed")
        return _problem(request, 500, "Something went wrong", "The lab could not do this.")
