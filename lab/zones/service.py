"""Zones, one front door per action: read the rules (now, at a time, their history), change
them, and record the zone files read at start-up.

The change was written by hand three times (the API route, the CLI command, start-up),
each with its own audit event; and the reads drifted: the API asked the chokepoint in the
caller's own tenant, the CLI on the platform, so an engineer could read the zones through
one and not the other. The API, the CLI and start-up now all come here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from lab.auditing import Actor, Auditor
from lab.authz.chokepoint import PLATFORM, Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.errors import InvalidInput
from lab.zones.models import ZoneVersion
from lab.zones.registry import history, sync_from_files, update_rules, version_at, zone_names
from lab.zones.rules import ZoneRules, inconsistencies

if TYPE_CHECKING:  # the lab's context imports this module to record the zone files
    from lab.context import Lab

STARTUP = "system:startup"


def _read(lab: Lab, principal: Principal, resource: str, request_id: str | None) -> None:
    # Zone rules are platform things every role reads; the question is asked in the
    # caller's own tenant, where tenant roles hold (staff ask on the platform).
    lab.chokepoint.authorize(
        principal,
        action=AccessAction.READ,
        resource=resource,
        tenant=principal.tenant or PLATFORM,
        request_id=request_id,
    )


def list_zones(
    lab: Lab, principal: Principal, *, request_id: str | None = None
) -> list[ZoneVersion]:
    """Every zone with the version of its rules in force."""
    _read(lab, principal, "zones", request_id)
    with lab.read() as session:
        return [version_at(session, z) for z in zone_names(session)]


def zone_rules(
    lab: Lab,
    principal: Principal,
    zone: str,
    *,
    at: datetime | None = None,
    request_id: str | None = None,
) -> ZoneVersion:
    """A zone's rules now, or as they held at `at`."""
    _read(lab, principal, f"zones/{zone}", request_id)
    with lab.read() as session:
        return version_at(session, zone, at)


def zone_history(
    lab: Lab, principal: Principal, zone: str, *, request_id: str | None = None
) -> list[ZoneVersion]:
    """Every version of a zone's rules, oldest first."""
    _read(lab, principal, f"zones/{zone}", request_id)
    with lab.read() as session:
        return history(session, zone)


def change_zone_rules(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    zone: str,
    rules: ZoneRules,
    *,
    comment: str,
    source: str,
) -> ZoneVersion:
    """Make `rules` the zone's rules in force: a new version, audited; old ones stay
    answerable by time. `source` says which front end asked (api, cli)."""
    lab.chokepoint.authorize(
        principal,
        action=AccessAction.UPDATE,
        resource=f"zones/{zone}",
        request_id=actor.request_id,
    )
    if rules.name != zone:
        raise InvalidInput(f"the rules are named {rules.name!r} but change zone {zone!r}")
    problems = inconsistencies(rules)
    if problems:
        raise InvalidInput("; ".join(problems))
    with lab.transaction() as session:
        row = update_rules(session, actor.name, rules, comment)
        _audit(lab.auditor, session, actor.name, row, source, actor.request_id)
    return row


def record_zone_files(
    session: Session, auditor: Auditor, zones: Mapping[str, ZoneRules], folder: Path
) -> list[ZoneVersion]:
    """At start-up: zone files whose rules changed since they were last read become new,
    audited versions. No principal asks: the files are the operator's, on the lab's disk."""
    sources = {name: str(folder / f"{name}.yaml") for name in zones}
    added = sync_from_files(session, zones, sources, actor=STARTUP)
    for version in added:
        _audit(auditor, session, STARTUP, version, version.source, None)
    return added


def _audit(
    auditor: Auditor,
    session: Session,
    actor: str,
    row: ZoneVersion,
    source: str,
    request_id: str | None,
) -> None:
    auditor.record(
        session,
        actor=actor,
        action=AuditAction.ZONE_RULES_UPDATE,
        resource=f"platform/zones/{row.zone}",
        zone=row.zone,
        request_id=request_id,
        details={"version": row.version, "source": source},
    )
