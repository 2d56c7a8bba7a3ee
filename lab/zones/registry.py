"""The zones' rules as they hold now and as they held at any past time.

The files in `zones/` are the declarative source. At start-up each file is validated; when
its rules differ from the newest version taken from a file, they become a new version.
Admins change rules through the API: each change is a new version too. A compliance
officer asks "which rules held when this job ran?" with `rules_at`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.db.base import utcnow
from lab.errors import NotFound
from lab.zones.models import ZoneVersion
from lab.zones.rules import ZoneRules


def _canonical(rules: ZoneRules) -> str:
    return json.dumps(rules.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def _latest(session: Session, zone: str, *, source_prefix: str | None = None) -> ZoneVersion | None:
    query = sa.select(ZoneVersion).where(ZoneVersion.zone == zone)
    if source_prefix is not None:
        query = query.where(ZoneVersion.source.startswith(source_prefix))
    return session.scalar(query.order_by(ZoneVersion.version.desc()).limit(1))


def _add(
    session: Session, rules: ZoneRules, *, source: str, actor: str, comment: str
) -> ZoneVersion:
    latest = _latest(session, rules.name)
    row = ZoneVersion(
        zone=rules.name,
        version=(latest.version + 1) if latest else 1,
        rules=_canonical(rules),
        source=source,
        actor=actor,
        comment=comment[:500],
        effective_from=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def sync_from_files(
    session: Session, zones: Mapping[str, ZoneRules], sources: Mapping[str, str], actor: str
) -> list[ZoneVersion]:
    """Record file rules that differ from the last file-sourced version; return new versions."""
    added = []
    for name, rules in zones.items():
        last_file = _latest(session, name, source_prefix="file:")
        if last_file is None or last_file.rules != _canonical(rules):
            added.append(
                _add(session, rules, source=f"file:{sources[name]}", actor=actor, comment="")
            )
    return added


def update_rules(session: Session, actor: str, rules: ZoneRules, comment: str = "") -> ZoneVersion:
    if _latest(session, rules.name) is None:
        raise NotFound(f"zone {rules.name!r} not found")
    return _add(session, rules, source="api", actor=actor, comment=comment)


def version_at(session: Session, zone: str, when: datetime | None = None) -> ZoneVersion:
    query = sa.select(ZoneVersion).where(ZoneVersion.zone == zone)
    if when is not None:
        query = query.where(ZoneVersion.effective_from <= when)
    row = session.scalar(query.order_by(ZoneVersion.version.desc()).limit(1))
    if row is None:
        at = f" at {when.isoformat()}" if when else ""
        raise NotFound(f"zone {zone!r} has no rules{at}")
    return row


def rules_at(session: Session, zone: str, when: datetime | None = None) -> ZoneRules:
    return ZoneRules.model_validate_json(version_at(session, zone, when).rules)


def holds_full_data(session: Session, zone: str) -> bool:
    """Whether `zone`'s rules in force say it holds its owners' full data (`data: full`)."""
    return rules_at(session, zone).data == "full"


def zone_names(session: Session) -> list[str]:
    return list(session.scalars(sa.select(ZoneVersion.zone).distinct().order_by(ZoneVersion.zone)))


def history(session: Session, zone: str) -> list[ZoneVersion]:
    query = sa.select(ZoneVersion).where(ZoneVersion.zone == zone)
    return list(session.scalars(query.order_by(ZoneVersion.version.desc())))
