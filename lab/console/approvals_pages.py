"""The approvals queue: release requests, their findings, code, inputs and output, and the
reviewers' approve / reject / return, through lab/releases/service.py as the API uses it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lab.errors import Forbidden, InvalidInput
from lab.releases import service
from lab.releases.models import PENDING

from . import values
from .pages import Viewer, checked_form, render, viewer

router = APIRouter(prefix="/approvals")
COMMENT_MAX = 2000


@router.get("", response_class=HTMLResponse)
def queue(request: Request, who: Viewer = Depends(viewer)) -> Response:
    zone = values.zone(who.lab, request.query_params.get("zone", "sandbox"))
    tenant = values.tenant_filter(request.query_params.get("tenant", "").strip())
    state = request.query_params.get("state", PENDING).strip() or None
    found = service.list_releases(
        who.lab, who.principal, zone=zone, tenant=tenant, state=state, request_id=who.request_id
    )
    context = {
        "who": who,
        "releases": found,
        "zone": zone,
        "zones": values.zones(who.lab),
        "tenant": tenant or "",
        "state": state or "",
    }
    return render(request, "approvals.html", context)


def why_not(who: Viewer, view: Any, *, kind: str = "release") -> str | None:
    """Why the viewer cannot decide this request (a release or a promotion), in words for
    the page (the service refuses the decision anyway)."""
    if view.state != PENDING:
        return f"This request is {view.state}: only pending requests are reviewed."
    if view.requester == who.user:
        return (
            f"You asked for this {kind}: the author of a request can never approve, reject "
            "or return it. Another reviewer must decide."
        )
    if any(r.reviewer == who.user for r in view.reviews):
        return "You already decided this request: the next decision must be another reviewer's."
    return None


@router.get("/{zone}/{release_id}", response_class=HTMLResponse)
def detail(request: Request, zone: str, release_id: str, who: Viewer = Depends(viewer)) -> Response:
    zone = values.zone(who.lab, zone)
    release_id = values.in_path(values.ID, release_id, "no such request")
    view = service.get_release(
        who.lab, who.principal, release_id, zone=zone, request_id=who.request_id
    )
    content: list[Any] | None = None
    try:
        content = service.release_content(
            who.lab, who.principal, release_id, zone=zone, request_id=who.request_id
        )
    except Forbidden:  # only reviewers see what would leave (audited as a denial)
        content = None
    context = {"who": who, "r": view, "content": content, "why_not": why_not(who, view)}
    return render(request, "approval.html", context)


@router.post("/{zone}/{release_id}/review")
def decide(
    zone: str,
    release_id: str,
    fields: dict[str, str] = Depends(checked_form),
    who: Viewer = Depends(viewer),
) -> Response:
    zone = values.zone(who.lab, zone)
    release_id = values.in_path(values.ID, release_id, "no such request")
    comment = fields.get("comment", "")
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(f"the comment is longer than {COMMENT_MAX} characters")
    service.review_release(
        who.lab,
        who.principal,
        who.as_actor(),
        release_id,
        zone=zone,
        decision=fields.get("decision", ""),
        comment=comment,
    )
    return RedirectResponse(f"/console/approvals/{zone}/{release_id}", status_code=303)
