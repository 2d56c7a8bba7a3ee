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
from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, StreamingResponse

from audit import EventFilter, verify, write_csv, write_jsonl
from lab.api.deps import Access, get_lab, require
from lab.authz.chokepoint import PLATFORM
from lab.context import Lab

router = APIRouter(prefix="/v1/audit", tags=["audit"])
PAGE = 1000


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
        tenant=tenant, actor=actor, action=action, decision=decision, since=since, until=until
    )


@router.get("/events")
def events(
    tenant: str | None = Query(None, description="Only this tenant's events (members: required)."),
    actor: str | None = None,
    action: str | None = Query(None, description="Exact action or prefix with `*`: `token.*`."),
    decision: Literal["allow", "deny"] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: int = Query(0, ge=0, description="Return events after this sequence number."),
    limit: int = Query(100, ge=1, le=PAGE),
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


@router.get("/export")
def export(
    format: Literal["jsonl", "csv"] = "jsonl",
    tenant: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    decision: Literal["allow", "deny"] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
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


@router.get("/verify")
def verify_chain(
    access: Access = require("verify", "audit"),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """Recompute the whole chain and check every signed checkpoint."""
    with lab.read() as session:
        return verify(session.connection(), lab.audit_public_key).to_dict()


@router.get("/checkpoints")
def checkpoints(
    limit: int = Query(100, ge=1, le=PAGE),
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
