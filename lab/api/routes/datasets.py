"""Datasets of a tenant in a zone: versions with schema, classification, size, retention
and hold; destroy now; legal holds (compliance); destruction receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from audit import EventFilter
from lab.api.deps import Access, db, get_lab, require
from lab.authz.chokepoint import PLATFORM
from lab.context import Lab
from lab.datasets.service import change_hold, list_versions, version_id_of
from lab.retention.destroyer import destroy_version_now
from lab.storage import VersionInfo

router = APIRouter(prefix="/v1", tags=["datasets"])
BASE = "/tenants/{tenant}/zones/{zone}/datasets"
VERSION = BASE + "/{name}/versions/{version}"


class VersionOut(BaseModel):
    id: str
    tenant: str
    zone: str
    name: str
    version: int
    state: str
    columns: list[dict[str, str]] = Field(description="name, type and classification")
    rows: int | None
    bytes: int | None
    files: int
    created_at: datetime
    destroy_at: datetime | None
    legal_hold: bool
    destroyed_at: datetime | None
    lineage: dict[str, Any]

    @classmethod
    def of(cls, v: VersionInfo) -> VersionOut:
        return cls(
            id=v.id,
            tenant=v.tenant,
            zone=v.zone,
            name=v.name,
            version=v.version,
            state=v.state,
            columns=[dict(c) for c in v.columns],
            rows=v.row_count,
            bytes=v.byte_size,
            files=len(v.files),
            created_at=v.created_at,
            destroy_at=v.destroy_at,
            legal_hold=v.legal_hold,
            destroyed_at=v.destroyed_at,
            lineage=v.lineage,
        )


class HoldBody(BaseModel):
    reason: str = Field(min_length=3, max_length=300, description="Case or matter reference.")


@router.get(BASE, response_model=list[VersionOut])
def datasets_list(
    tenant: str,
    zone: str,
    include_destroyed: bool = False,
    access: Access = require("read", "datasets", zone="{zone}", tenant="path"),
    session: Session = Depends(db),
) -> list[VersionOut]:
    found = list_versions(session, tenant=tenant, zone=zone, live_only=not include_destroyed)
    return [VersionOut.of(v) for v in found]


@router.get(BASE + "/{name}", response_model=list[VersionOut])
def dataset_versions(
    tenant: str,
    zone: str,
    name: str,
    include_destroyed: bool = False,
    access: Access = require("read", "datasets/{name}", zone="{zone}", tenant="path"),
    session: Session = Depends(db),
) -> list[VersionOut]:
    found = list_versions(
        session, tenant=tenant, zone=zone, name=name, live_only=not include_destroyed
    )
    return [VersionOut.of(v) for v in found]


@router.delete(VERSION, status_code=200)
def version_destroy(
    tenant: str,
    zone: str,
    name: str,
    version: int,
    reason: str = Query(min_length=3, max_length=300, description="Why it is destroyed now."),
    access: Access = require(
        "destroy", "datasets/{name}/versions/{version}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """Destroy a version now: files removed, key destroyed, receipt written."""
    with lab.read() as session:
        version_id = version_id_of(session, tenant=tenant, zone=zone, name=name, version=version)
    receipt = destroy_version_now(
        lab,
        version_id,
        actor=access.actor,
        why=f"requested: {reason}",
        rule="manual destruction",
        request_id=access.request_id,
    )
    if receipt is None:
        return {"version_id": version_id, "already_destroyed": True}
    return {"version_id": version_id, "receipt": receipt.to_dict()}


def _hold(
    lab: Lab,
    session: Session,
    access: Access,
    params: tuple[str, str, str, int],
    held: bool,
    reason: str,
) -> VersionOut:
    tenant, zone, name, version = params
    version_id = version_id_of(session, tenant=tenant, zone=zone, name=name, version=version)
    return VersionOut.of(
        change_hold(lab, session, access.as_actor(), version_id, held=held, reason=reason)
    )


@router.put(VERSION + "/hold", response_model=VersionOut)
def hold_place(
    tenant: str,
    zone: str,
    name: str,
    version: int,
    body: HoldBody,
    access: Access = require(
        "hold", "datasets/{name}/versions/{version}", zone="{zone}", tenant="path"
    ),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> VersionOut:
    """Place a legal hold: the version is not destroyed while it holds."""
    return _hold(lab, session, access, (tenant, zone, name, version), True, body.reason)


@router.delete(VERSION + "/hold", response_model=VersionOut)
def hold_release(
    tenant: str,
    zone: str,
    name: str,
    version: int,
    body: HoldBody,
    access: Access = require(
        "hold", "datasets/{name}/versions/{version}", zone="{zone}", tenant="path"
    ),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> VersionOut:
    """Release a legal hold; a version past its destroy-at goes at the next run."""
    return _hold(lab, session, access, (tenant, zone, name, version), False, body.reason)


@router.get("/receipts")
def receipts(
    tenant: str | None = Query(None, description="Only this tenant (members: required)."),
    since: datetime | None = None,
    until: datetime | None = None,
    after: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=1000),
    access: Access = require("read", "audit/receipts", tenant="query"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """Destruction receipts (and skipped or failed destructions), oldest first."""
    flt = EventFilter(
        tenant=None if access.tenant == PLATFORM else access.tenant,
        action="destruction.*",
        since=since,
        until=until,
    )
    found = lab.audit_log.query(session.connection(), flt, after_seq=after, limit=limit)
    return {
        "receipts": [e.to_dict() for e in found],
        "next_after": found[-1].seq if len(found) == limit else None,
    }
