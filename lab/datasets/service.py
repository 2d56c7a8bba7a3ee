"""Dataset operations that need the whole lab: zone retention, audit, legal holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.auditing import Actor
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.db.base import utcnow
from lab.errors import NotFound
from lab.retention.clock import Kind, destroy_at_for
from lab.storage import VersionInfo, set_legal_hold
from lab.storage.catalog import get_version
from lab.storage.models import DESTROYED, READY, Dataset, DatasetVersion
from lab.zones.registry import rules_at


def write_dataset(
    lab: Lab,
    actor: Actor,
    *,
    tenant: str,
    zone: str,
    name: str,
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    classifications: Mapping[str, str] | None = None,
    lineage: Mapping[str, Any] | None = None,
    destroy_at: datetime | None = None,
    kind: Kind = "dataset",
) -> VersionInfo:
    """Write a new encrypted version whose destroy-at the zone's retention bounds; audit it."""
    with lab.read() as session:
        rules = rules_at(session, zone)
    when = destroy_at_for(rules, kind, now=utcnow(), requested=destroy_at)
    info = lab.store.write_version(
        lab.sessions,
        tenant=tenant,
        zone=zone,
        name=name,
        batches=batches,
        schema=schema,
        classifications=classifications,
        lineage=lineage,
        destroy_at=when,
    )
    with lab.transaction() as session:
        lab.auditor.change(
            session,
            actor,
            AuditAction.DATASET_WRITE,
            f"{zone}/datasets/{name}/versions/{info.version}",
            tenant=tenant,
            zone=zone,
            details={
                "version_id": info.id,
                "rows": info.row_count,
                "bytes": info.byte_size,
                "files": len(info.files),
                "destroy_at": when.isoformat(),
                "kind": kind,
            },
        )
    return info


def list_versions(
    session: Session, *, tenant: str, zone: str, name: str | None = None, live_only: bool = True
) -> list[VersionInfo]:
    query = (
        sa.select(DatasetVersion)
        .join(Dataset)
        .where(Dataset.tenant == tenant, Dataset.zone == zone)
        .order_by(Dataset.name, DatasetVersion.version)
    )
    if name is not None:
        query = query.where(Dataset.name == name)
    if live_only:
        query = query.where(DatasetVersion.state == READY)
    return [VersionInfo.of(row) for row in session.scalars(query)]


def version_id_of(session: Session, *, tenant: str, zone: str, name: str, version: int) -> str:
    """The id of any version by number, whatever its state (destroyed ones too)."""
    found = session.scalar(
        sa.select(DatasetVersion.id)
        .join(Dataset)
        .where(
            Dataset.tenant == tenant,
            Dataset.zone == zone,
            Dataset.name == name,
            DatasetVersion.version == version,
        )
    )
    if found is None:
        raise NotFound(f"no version {version} of dataset {name!r} in {zone!r}")
    return found


def change_hold(
    lab: Lab, session: Session, actor: Actor, version_id: str, *, held: bool, reason: str
) -> VersionInfo:
    """Place or release a legal hold, audited with its reason, in the caller's transaction."""
    set_legal_hold(session, version_id, held=held)
    info = VersionInfo.of(get_version(session, version_id))
    lab.auditor.change(
        session,
        actor,
        AuditAction.HOLD_PLACE if held else AuditAction.HOLD_RELEASE,
        f"{info.zone}/datasets/{info.name}/versions/{info.version}",
        tenant=info.tenant,
        zone=info.zone,
        details={"version_id": version_id, "reason": reason[:300]},
    )
    return info


def live_versions_of_tenant(session: Session, tenant: str) -> list[tuple[str, bool]]:
    """(version id, held) of every version of a tenant not yet destroyed, in every zone."""
    query = (
        sa.select(DatasetVersion.id, DatasetVersion.legal_hold)
        .join(Dataset)
        .where(Dataset.tenant == tenant, DatasetVersion.state != DESTROYED)
        .order_by(DatasetVersion.id)
    )
    return [(vid, held) for vid, held in session.execute(query)]
