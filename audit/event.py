"""What callers hand the log (`EventDraft`) and what it gives back (`Event`).

A draft is checked when it is made, so a bad event fails at the call site with a clear
`ValueError` instead of deep inside a transaction. The checks keep the trail readable and
storable on every backend: short single-line texts (no control characters, which also
keeps NUL bytes away from PostgreSQL), a dotted lower-case action, a known decision, and
small JSON details. Audit events carry ids, hashes and counts, never data values, so
destroying data never requires touching (and so breaking) the chain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from audit.canonical import canonical_details, canonical_json, format_time, parse_time

MAX_TEXT = 200
DECISIONS = frozenset({"allow", "deny"})

_ACTION = re.compile(r"[a-z0-9][a-z0-9_\-]*(?:\.[a-z0-9_\-]+)*")
_OUTCOME = re.compile(r"[a-z][a-z0-9_\-]{0,31}")
# Control characters (C0, DEL, C1) and lone surrogates, which UTF-8 cannot encode.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def check_text(name: str, value: object, *, required: bool) -> None:
    """Raise ValueError unless `value` is a short single-line string (or None if optional)."""
    if value is None and not required:
        return
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{name} is {len(value)} characters long; the limit is {MAX_TEXT}")
    if _FORBIDDEN.search(value):
        raise ValueError(f"{name} contains control characters or invalid Unicode")


def check_action(value: object, *, name: str = "action") -> None:
    check_text(name, value, required=True)
    assert isinstance(value, str)
    if not _ACTION.fullmatch(value):
        raise ValueError(f"{name} {value!r} must be dotted lower-case words, e.g. 'tenant.create'")


@dataclass(frozen=True)
class EventDraft:
    """One decision or change to record. `details` is copied (shallowly) on creation."""

    actor: str
    action: str
    resource: str
    tenant: str | None = None
    zone: str | None = None
    decision: str | None = None
    outcome: str = "ok"
    request_id: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_text("actor", self.actor, required=True)
        check_action(self.action)
        check_text("resource", self.resource, required=True)
        check_text("tenant", self.tenant, required=False)
        check_text("zone", self.zone, required=False)
        check_text("request_id", self.request_id, required=False)
        if self.decision is not None and self.decision not in DECISIONS:
            raise ValueError(f"decision must be 'allow', 'deny' or None, got {self.decision!r}")
        if not isinstance(self.outcome, str) or not _OUTCOME.fullmatch(self.outcome):
            raise ValueError(
                f"outcome must be a short lower-case token such as 'ok' or 'error', "
                f"got {self.outcome!r}"
            )
        canonical_details(self.details)  # type, JSON-ability and size
        object.__setattr__(self, "details", dict(self.details))


@dataclass(frozen=True)
class Event:
    """A stored event. `hash` covers every other field (see `audit.canonical`)."""

    seq: int
    time: datetime
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; `time` is the exact stored text, so an export can be re-verified."""
        return {
            "seq": self.seq,
            "time": format_time(self.time),
            "actor": self.actor,
            "action": self.action,
            "resource": self.resource,
            "tenant": self.tenant,
            "zone": self.zone,
            "decision": self.decision,
            "outcome": self.outcome,
            "request_id": self.request_id,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Event:
        """Inverse of `to_dict` (for reading an export back); no integrity check here."""
        try:
            details = data["details"]
            if not isinstance(details, dict):
                raise ValueError("details must be an object")
            return cls(
                seq=int(data["seq"]),
                time=parse_time(str(data["time"])),
                actor=str(data["actor"]),
                action=str(data["action"]),
                resource=str(data["resource"]),
                tenant=data.get("tenant"),
                zone=data.get("zone"),
                decision=data.get("decision"),
                outcome=str(data["outcome"]),
                request_id=data.get("request_id"),
                details=details,
                prev_hash=str(data["prev_hash"]),
                hash=str(data["hash"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an audit event record: {exc}") from exc

    def row(self) -> tuple[Any, ...]:
        """The event as a tuple in `audit.canonical.EVENT_ROW` order, then `hash`."""
        return (
            self.seq,
            format_time(self.time),
            self.actor,
            self.action,
            self.resource,
            self.tenant,
            self.zone,
            self.decision,
            self.outcome,
            self.request_id,
            canonical_json(self.details),
            self.prev_hash,
            self.hash,
        )
