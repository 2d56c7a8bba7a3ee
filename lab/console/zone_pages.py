"""Zones: each zone's rules in force, their history, and what changed between two versions,
read through lab/zones/service.py as the API's zone routes read them (and shown as the API
shows them, `ZoneVersionOut`)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from lab.api.routes.zones import ZoneVersionOut
from lab.errors import InvalidInput, NotFound
from lab.zones.diff import compare, flatten
from lab.zones.service import list_zones, zone_history

from .pages import Viewer, render, viewer

router = APIRouter(prefix="/zones")
ZONE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")  # a zone's name, as ZoneRules holds it


@router.get("", response_class=HTMLResponse)
def zones(request: Request, who: Viewer = Depends(viewer)) -> Response:
    found = list_zones(who.lab, who.principal, request_id=who.request_id)
    context = {"who": who, "zones": [ZoneVersionOut.of(row) for row in found]}
    return render(request, "zones.html", context)


def _version(request: Request, name: str, known: dict[int, ZoneVersionOut]) -> int | None:
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput(f"{name} is a version number")
    if int(value) not in known:
        raise InvalidInput(f"there is no version {int(value)} of this zone")
    return int(value)


@router.get("/{zone}", response_class=HTMLResponse)
def zone(request: Request, zone: str, who: Viewer = Depends(viewer)) -> Response:
    """The rules in force (the newest version, as `GET /v1/zones/{zone}` answers), every
    version newest first, and the differences between two of them (`from`, `to`; by
    default the one before the newest and the newest)."""
    if not ZONE.match(zone):
        raise NotFound("no such zone")
    versions = [
        ZoneVersionOut.of(row)
        for row in zone_history(who.lab, who.principal, zone, request_id=who.request_id)
    ]
    if not versions:
        raise NotFound("no such zone")
    known = {v.version: v for v in versions}
    older = _version(request, "from", known)
    newer = _version(request, "to", known)
    if len(versions) > 1:
        older = versions[1].version if older is None else older
        newer = versions[0].version if newer is None else newer
    changes = None
    if older is not None and newer is not None:
        changes = compare(known[older].rules, known[newer].rules)
    current = versions[0]
    context = {
        "who": who,
        "zone": zone,
        "current": current,
        "rules": flatten(current.rules),
        "versions": versions,
        "older": older,
        "newer": newer,
        "changes": changes,
    }
    return render(request, "zone.html", context)
