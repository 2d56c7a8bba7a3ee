"""Data lifecycle: a tenant's datasets by zone with their destroy-at dates, legal holds
(place and lift) and destruction receipts, through lab/datasets/service.py and
lab/retention/receipts.py as the API uses them.

Platform staff belong to no tenant: with none named, the page asks the chokepoint the
question its navigation entry asks (on the platform, audited) and offers the tenants they
may list to choose from.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lab.datasets.schemas import VersionRef
from lab.datasets.service import list_datasets, place_hold, release_hold
from lab.errors import Forbidden, InvalidInput
from lab.identity import service as people
from lab.retention.receipts import list_receipts

from . import nav, values
from .pages import Viewer, checked_form, render, viewer

router = APIRouter(prefix="/data")
REASON_MAX = 300


def _chooser(who: Viewer, tenant: str | None) -> list[str] | None:
    """For platform staff, the tenants to choose from (None: a tenant's member, or staff
    who may not list them and name one instead). With no tenant named, the navigation
    entry's question is asked first, audited: the page has nothing else to ask."""
    if tenant is None:
        entry = nav.page("/console/data")
        who.authorize(
            entry.action, entry.resource, tenant=entry.tenant_for(who.principal), zone=entry.zone
        )
    if who.principal.tenant is not None:
        return None
    try:
        found = people.list_tenants(who.lab, who.principal, request_id=who.request_id)
    except Forbidden:  # the denial is audited; the page asks for a tenant's name
        return None
    return [t.slug for t in found]


@router.get("", response_class=HTMLResponse)
def datasets(request: Request, who: Viewer = Depends(viewer)) -> Response:
    tenant = values.tenant_filter(
        request.query_params.get("tenant", "").strip() or who.principal.tenant
    )
    zone = values.zone(who.lab, request.query_params.get("zone", "sandbox"))
    versions = []
    receipts = []
    choices = _chooser(who, tenant)
    if tenant is not None:
        versions = list_datasets(
            who.lab, who.principal, tenant=tenant, zone=zone, request_id=who.request_id
        )
        try:
            receipts = list_receipts(
                who.lab, who.principal, tenant=tenant, request_id=who.request_id
            )
        except Forbidden:  # receipts are the auditors' (the denial is audited)
            receipts = []
    context = {
        "who": who,
        "tenant": tenant or "",
        "zone": zone,
        "zones": values.zones(who.lab),
        "choices": choices,
        "versions": versions,
        "receipts": receipts,
    }
    return render(request, "data.html", context)


@router.post("/{tenant}/{zone}/{name}/{version}/hold")
def hold(
    tenant: str,
    zone: str,
    name: str,
    version: str,
    fields: dict[str, str] = Depends(checked_form),
    who: Viewer = Depends(viewer),
) -> Response:
    values.in_path(values.TENANT, tenant, "no such dataset")
    values.zone(who.lab, zone, "no such dataset")
    values.in_path(values.NAME, name, "no such dataset")
    values.in_path(values.NUMBER, version, "no such dataset")
    reason = fields.get("reason", "").strip()
    if not 3 <= len(reason) <= REASON_MAX:
        raise InvalidInput(f"a hold needs a reason of 3 to {REASON_MAX} characters")
    change = {"place": place_hold, "lift": release_hold}.get(fields.get("action", ""))
    if change is None:
        raise InvalidInput("action is place or lift")
    ref = VersionRef(tenant=tenant, zone=zone, name=name, version=int(version))
    change(who.lab, who.principal, who.as_actor(), ref, reason=reason)
    return RedirectResponse(f"/console/data?tenant={tenant}&zone={zone}", status_code=303)
