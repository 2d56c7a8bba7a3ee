"""The audit trail: a filtered timeline, event detail, chain status, verify, export.

Asked of the chokepoint exactly as the API's audit routes ask (lab/api/routes/audit.py),
and read through the same audit log, verify and export.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from audit import EventFilter, verify
from lab.api.deps import Access
from lab.api.routes import audit as audit_api
from lab.authz.chokepoint import PLATFORM
from lab.errors import InvalidInput, NotFound
from lab.utc import as_utc

from . import values
from .pages import Viewer, checked_form, render, viewer

router = APIRouter(prefix="/audit")
PAGE = 100
FIELD_MAX = 200


def _text(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    if len(value) > FIELD_MAX:
        raise InvalidInput(f"{name} is longer than {FIELD_MAX} characters")
    return value or None


def _time(request: Request, name: str) -> datetime | None:
    value = _text(request, name)
    if value is None:
        return None
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError as exc:
        raise InvalidInput(f"{name} is not a date and time") from exc


def _filters(request: Request, who: Viewer) -> dict[str, Any]:
    """The filters of the query string; a tenant's member asks of their tenant by default."""
    tenant = values.tenant_filter(_text(request, "tenant") or who.principal.tenant)
    decision = _text(request, "decision")
    if decision not in (None, "allow", "deny"):
        raise InvalidInput("decision is allow or deny")
    return {
        "tenant": tenant,
        "actor": _text(request, "actor"),
        "action": _text(request, "action"),
        "decision": decision,
        "since": _time(request, "since"),
        "until": _time(request, "until"),
    }


def _after(request: Request) -> int:
    value = request.query_params.get("after", "0")
    if not value.isdigit() or len(value) > 18:
        raise InvalidInput("after is a sequence number")
    return int(value)


def _event_filter(domain: str, f: dict[str, Any]) -> EventFilter:
    return EventFilter(
        tenant=None if domain == PLATFORM else domain,
        actor=f["actor"],
        action=f["action"],
        decision=f["decision"],
        since=f["since"],
        until=f["until"],
    )


def _page(request: Request, who: Viewer, result: dict[str, Any] | None = None) -> Response:
    f = _filters(request, who)
    after = _after(request)
    domain = f["tenant"] or PLATFORM
    who.authorize("read", "audit/events", tenant=domain)
    lab = who.lab
    with lab.read() as session:
        events = lab.audit_log.query(
            session.connection(), _event_filter(domain, f), after_seq=after, limit=PAGE
        )
    checkpoints: list[Any] = []
    if domain == PLATFORM:  # the chain is platform-wide: shown to those who may read it
        who.authorize("read", "audit/checkpoints")
        with lab.read() as session:
            checkpoints = lab.audit_log.checkpoints(session.connection(), limit=1)
    shown = {k: ("" if v is None else str(v)) for k, v in f.items()}
    for key in ("since", "until"):
        raw = request.query_params.get(key, "")
        shown[key] = raw[:FIELD_MAX]
    query = "&".join(f"{k}={v}" for k, v in shown.items() if v)
    context = {
        "who": who,
        "events": events,
        "filters": shown,
        "query": query,
        "next_after": events[-1].seq if len(events) == PAGE else None,
        "checkpoint": checkpoints[0] if checkpoints else None,
        "result": result,
    }
    return render(request, "audit.html", context)


@router.get("", response_class=HTMLResponse)
def timeline(request: Request, who: Viewer = Depends(viewer)) -> Response:
    return _page(request, who)


@router.post("/verify", response_class=HTMLResponse)
def verify_now(
    request: Request,
    fields: dict[str, str] = Depends(checked_form),
    who: Viewer = Depends(viewer),
) -> Response:
    """Recompute the whole chain and check every signed checkpoint, as `GET /v1/audit/verify`."""
    who.authorize("verify", "audit")
    with who.lab.read() as session:
        result = verify(session.connection(), who.lab.audit_public_key).to_dict()
    return _page(request, who, result)


@router.get("/export")
def export(request: Request, who: Viewer = Depends(viewer)) -> Response:
    """The API's export (CSV or JSON lines) of the filtered events."""
    fmt = request.query_params.get("format", "jsonl")
    if fmt not in ("jsonl", "csv"):
        raise InvalidInput("format is csv or jsonl")
    f = _filters(request, who)
    domain = f["tenant"] or PLATFORM
    decision = who.authorize("export", "audit/events", tenant=domain)
    access = Access(who.principal, domain, decision, who.request_id or "")
    return audit_api.export(format=fmt, access=access, lab=who.lab, **f)  # type: ignore[arg-type]


@router.get("/events/{seq}", response_class=HTMLResponse)
def event(request: Request, seq: str, who: Viewer = Depends(viewer)) -> Response:
    number = int(values.in_path(values.NUMBER, seq, "no such event"))
    tenant = values.tenant_filter(_text(request, "tenant"))
    domain = tenant or PLATFORM
    who.authorize("read", "audit/events", tenant=domain)
    flt = _event_filter(domain, dict.fromkeys(("actor", "action", "decision", "since", "until")))
    with who.lab.read() as session:
        found = who.lab.audit_log.query(session.connection(), flt, after_seq=number - 1, limit=1)
    if not found or found[0].seq != number:
        raise NotFound("no such event")
    return render(request, "event.html", {"who": who, "event": found[0], "tenant": tenant})
