"""The audit trail: query, export, verify, checkpoints and the public key.

Compliance officers and admins read every tenant's events; a tenant's members read their
own tenant's events only (`?tenant=<slug>`), enforced by the chokepoint and the filter.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from fastapi import Depends
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel

from audit import EventFilter, verify, write_csv, write_jsonl
from lab.api.deps import Access, get_lab, require
from lab.api.one_hop import api_router
from lab.api.params import (
    ActionFilter,
    ActorFilter,
    Cursor,
    SinceFilter,
    TenantFilter,
    UntilFilter,
    page_size,
)
from lab.authz.chokepoint import PLATFORM
from lab.context import Lab

router = api_router(prefix="/v1/audit", tags=["audit"])
PAGE = 1000
Decision = Literal["allow", "deny"]


class EventOut(BaseModel):
    seq: int
    time: str
    actor: str
    action: str
    resource: str
    tenant: str | None
    zone: str | None
    decision: str | None
    outcome: str
    request_id: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class EventPage(BaseModel):
    events: list[EventOut]
    next_after: int | None


class VerifyOut(BaseModel):
    ok: bool
    events_checked: int
    checkpoints_checked: int
    first_bad_seq: int | None
    problem: str | None
    signatures_checked: bool
    last_seq: int
    last_hash: str


class CheckpointOut(BaseModel):
    seq: int
    hash: str
    time: str
    signature: str
    key_id: str


def _filter(
    access: Access,
    actor: str | None,
    action: str | None,
    decision: str | None,
    since: datetime | None,
    until: datetime | None,
) -> EventFilter:
    tenant = None if access.tenant == PLATFORM else access.tenant
    return EventFilter(
        tenant=tenant,
        actor=actor,
        action=None if action is None else str(action),
        decision=decision,
        since=since,
        until=until,
    )


@router.get("/events", response_model=EventPage)
def events(
    tenant: TenantFilter = None,
    actor: ActorFilter = None,
    action: ActionFilter = None,
    decision: Decision | None = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    after: Cursor = 0,
    limit: int = page_size(PAGE),
    access: Access = require("read", "audit/events", tenant="query"),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    flt = _filter(access, actor, action, decision, since, until)
    with lab.read() as session:
        found = lab.audit_log.query(session.connection(), flt, after_seq=after, limit=limit)
    return {
        "events": [e.to_dict() for e in found],
        "next_after": found[-1].seq if len(found) == limit else None,
    }


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The events as JSON lines or CSV, oldest first.",
            "content": {"application/x-ndjson": {}, "text/csv": {}},
        }
    },
)
def export(
    format: Literal["jsonl", "csv"] = "jsonl",
    tenant: TenantFilter = None,
    actor: ActorFilter = None,
    action: ActionFilter = None,
    decision: Decision | None = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    access: Access = require("export", "audit/events", tenant="query"),
    lab: Lab = Depends(get_lab),
) -> StreamingResponse:
    flt = _filter(access, actor, action, decision, since, until)

    def pages() -> Iterator[str]:
        after = 0
        first = True
        while True:
            with lab.read() as session:
                found = lab.audit_log.query(session.connection(), flt, after_seq=after, limit=PAGE)
            buffer = io.StringIO()
            if format == "csv":
                write_csv(found, buffer, header=first)
            else:
                write_jsonl(found, buffer)
            first = False
            yield buffer.getvalue()
            if len(found) < PAGE:
                return
            after = found[-1].seq

    media = "text/csv" if format == "csv" else "application/x-ndjson"
    name = f"audit-{access.tenant if access.tenant != PLATFORM else 'all'}.{format}"
    return StreamingResponse(
        pages(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/verify", response_model=VerifyOut)
def verify_chain(
    access: Access = require("verify", "audit"),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """Recompute the whole chain and check every signed checkpoint."""
    with lab.read() as session:
        return verify(session.connection(), lab.audit_public_key).to_dict()


@router.get("/checkpoints", response_model=list[CheckpointOut])
def checkpoints(
    limit: int = page_size(PAGE),
    access: Access = require("read", "audit/checkpoints"),
    lab: Lab = Depends(get_lab),
) -> list[dict[str, Any]]:
    with lab.read() as session:
        found = lab.audit_log.checkpoints(session.connection(), limit=limit)
    return [c.to_dict() for c in found]


@router.get("/public-key", response_class=PlainTextResponse)
def public_key(
    access: Access = require("read", "audit/public-key"), lab: Lab = Depends(get_lab)
) -> str:
    """The Ed25519 public key (PEM) that verifies checkpoint signatures."""
    return lab.audit_public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
