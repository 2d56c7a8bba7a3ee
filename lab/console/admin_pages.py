"""Administration: the tenants (through the same service as `GET /v1/tenants`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from lab.identity import service

from .pages import Viewer, render, viewer

router = APIRouter(prefix="/admin")


@router.get("/tenants", response_class=HTMLResponse)
def tenants(request: Request, who: Viewer = Depends(viewer)) -> Response:
    found = service.list_tenants(who.lab, who.principal, request_id=who.request_id)
    return render(request, "tenants.html", {"who": who, "tenants": found})
