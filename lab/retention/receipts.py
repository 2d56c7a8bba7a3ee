"""Destruction receipts: audit events that prove what was destroyed, when, why, by whom.

A receipt holds ids and hashes only (never data): the version and dataset ids, the key's
name, the SHA-256 of every encrypted file as recorded when it was written (up to
`LISTED_FILES`; beyond that their count and one digest over all of them), and the rule or
request that caused the destruction.

`list_receipts` is the one front door that reads them, for the API and the CLI: the
chokepoint is asked in the tenant named (platform-wide without one), and a tenant's
receipts are all a tenant's member is shown.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from audit import Event, EventFilter
from lab.auditing import Auditor
from lab.authz.chokepoint import PLATFORM, Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.storage import DestructionResult

if TYPE_CHECKING:  # the lab's context needs nothing of this module; keep it that way
    from lab.context import Lab

RECEIPT = AuditAction.DESTRUCTION_RECEIPT
SKIPPED = AuditAction.DESTRUCTION_SKIPPED
FAILED = AuditAction.DESTRUCTION_FAILED
SUMMARY = AuditAction.DESTRUCTION_SUMMARY
LISTED_FILES = 40


def receipt_details(result: DestructionResult, *, why: str, rule: str | None) -> dict[str, Any]:
    hashes = [f.sha256 for f in result.files]
    details: dict[str, Any] = {
        "version_id": result.version_id,
        "dataset_id": result.dataset_id,
        "dataset": result.dataset_name,
        "version": result.version,
        "key": result.key_name,
        "key_destroyed": True,
        "files": len(hashes),
        "bytes": result.bytes_removed,
        "files_digest": hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest(),
        "why": why,
        "reason": result.reason,
        "rule": rule,
        "destroyed_at": result.destroyed_at.isoformat(),
    }
    if len(hashes) <= LISTED_FILES:
        details["file_sha256"] = hashes
    return details


def write_receipt(
    auditor: Auditor,
    session: Session,
    result: DestructionResult,
    *,
    actor: str,
    why: str,
    rule: str | None = None,
    request_id: str | None = None,
) -> Event:
    return auditor.record(
        session,
        actor=actor,
        action=RECEIPT,
        resource=f"{result.zone}/datasets/{result.dataset_name}/versions/{result.version}",
        tenant=result.tenant,
        zone=result.zone,
        outcome="destroyed",
        request_id=request_id,
        details=receipt_details(result, why=why, rule=rule),
    )


def list_receipts(
    lab: Lab,
    principal: Principal,
    *,
    tenant: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: int = 0,
    limit: int = 100,
    request_id: str | None = None,
) -> list[Event]:
    """Destruction receipts (and skipped or failed destructions), oldest first, after the
    audit sequence number `after`; of one tenant, or of all for the platform's staff."""
    domain = tenant or PLATFORM
    lab.chokepoint.authorize(
        principal,
        action=AccessAction.READ,
        resource="audit/receipts",
        tenant=domain,
        request_id=request_id,
    )
    flt = EventFilter(
        tenant=None if domain == PLATFORM else domain,
        action="destruction.*",
        since=since,
        until=until,
    )
    with lab.read() as session:
        return lab.audit_log.query(session.connection(), flt, after_seq=after, limit=limit)
