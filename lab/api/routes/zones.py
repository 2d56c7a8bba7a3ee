"""Zones: their rules now and at any past time, their history, and admin changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Depends
from pydantic import BaseModel, Field

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import AtTime, Zone
from lab.context import Lab
from lab.zones.models import ZoneVersion
from lab.zones.rules import ZoneRules
from lab.zones.service import change_zone_rules, list_zones, zone_history, zone_rules

router = api_router(prefix="/v1/zones", tags=["zones"])


class ZoneVersionOut(BaseModel):
    zone: str
    version: int
    effective_from: datetime
    source: str
    actor: str
    comment: str
    rules: dict[str, Any]

    @classmethod
    def of(cls, row: ZoneVersion) -> ZoneVersionOut:
        return cls(
            zone=row.zone,
            version=row.version,
            effective_from=row.effective_from,
            source=row.source,
            actor=row.actor,
            comment=row.comment,
            rules=ZoneRules.model_validate_json(row.rules).model_dump(mode="json"),
        )


class ZoneUpdate(BaseModel):
    rules: ZoneRules
    comment: str = Field(default="", max_length=500, description="Why the rules change.")


@router.get("", response_model=list[ZoneVersionOut])
def zones_list(
    caller: Caller = service_authorizes("read", "zones", tenant="self"),
    lab: Lab = Depends(get_lab),
) -> list[ZoneVersionOut]:
    rows = list_zones(lab, caller.principal, request_id=caller.request_id)
    return [ZoneVersionOut.of(row) for row in rows]


@router.get("/{zone}", response_model=ZoneVersionOut)
def zones_get(
    zone: Zone,
    at: AtTime = None,
    caller: Caller = service_authorizes("read", "zones/{zone}", tenant="self"),
    lab: Lab = Depends(get_lab),
) -> ZoneVersionOut:
    row = zone_rules(lab, caller.principal, zone, at=at, request_id=caller.request_id)
    return ZoneVersionOut.of(row)


@router.get("/{zone}/history", response_model=list[ZoneVersionOut])
def zones_history(
    zone: Zone,
    caller: Caller = service_authorizes("read", "zones/{zone}", tenant="self"),
    lab: Lab = Depends(get_lab),
) -> list[ZoneVersionOut]:
    rows = zone_history(lab, caller.principal, zone, request_id=caller.request_id)
    return [ZoneVersionOut.of(v) for v in rows]


@router.put("/{zone}", response_model=ZoneVersionOut)
def zones_update(
    zone: Zone,
    body: ZoneUpdate,
    caller: Caller = service_authorizes("update", "zones/{zone}"),
    lab: Lab = Depends(get_lab),
) -> ZoneVersionOut:
    """Replace a zone's rules (a new version; the old ones stay answerable by time)."""
    row = change_zone_rules(
        lab,
        caller.principal,
        caller.as_actor(),
        zone,
        body.rules,
        comment=body.comment,
        source="api",
    )
    return ZoneVersionOut.of(row)
