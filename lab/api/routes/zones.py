"""Zones: their rules now and at any past time, their history, and admin changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lab.api.deps import Access, db, get_lab, require
from lab.context import Lab
from lab.errors import InvalidInput
from lab.zones.models import ZoneVersion
from lab.zones.registry import history, update_rules, version_at, zone_names
from lab.zones.rules import ZoneRules

router = APIRouter(prefix="/v1/zones", tags=["zones"])


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
    access: Access = require("read", "zones", tenant="self"), session: Session = Depends(db)
) -> list[ZoneVersionOut]:
    return [ZoneVersionOut.of(version_at(session, z)) for z in zone_names(session)]


@router.get("/{zone}", response_model=ZoneVersionOut)
def zones_get(
    zone: str,
    at: datetime | None = Query(None, description="The rules that held at this time (UTC)."),
    access: Access = require("read", "zones/{zone}", tenant="self"),
    session: Session = Depends(db),
) -> ZoneVersionOut:
    return ZoneVersionOut.of(version_at(session, zone, at))


@router.get("/{zone}/history", response_model=list[ZoneVersionOut])
def zones_history(
    zone: str,
    access: Access = require("read", "zones/{zone}", tenant="self"),
    session: Session = Depends(db),
) -> list[ZoneVersionOut]:
    return [ZoneVersionOut.of(v) for v in history(session, zone)]


@router.put("/{zone}", response_model=ZoneVersionOut)
def zones_update(
    zone: str,
    body: ZoneUpdate,
    access: Access = require("update", "zones/{zone}"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> ZoneVersionOut:
    """Replace a zone's rules (a new version; the old ones stay answerable by time)."""
    if body.rules.name != zone:
        raise InvalidInput(f"rules.name is {body.rules.name!r} but the path names {zone!r}")
    row = update_rules(session, access.actor, body.rules, body.comment)
    lab.auditor.record(
        session,
        actor=access.actor,
        action="zone.rules.update",
        resource=f"platform/zones/{zone}",
        zone=zone,
        request_id=access.request_id,
        details={"version": row.version, "source": "api"},
    )
    return ZoneVersionOut.of(row)
