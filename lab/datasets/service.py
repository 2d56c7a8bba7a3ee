"""Datasets and legal holds: writing a version under the zone's retention, and the one front
door of each audited action on them, for the API and the CLI alike.

`list_datasets`, `destroy_dataset_version` and `place_hold`/`release_hold` pass the
chokepoint first, as the tenant's thing the caller named (a denial for someone with no
standing in the tenant looks like a missing dataset), then look the version up by tenant,
zone, name and number, do the work in their own transaction and audit it. The destruction
itself is `lab.retention.destruction`'s, the one place that destroys.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.datasets.schemas import Destroyed, Origin, VersionRef, from_origin
from lab.db.base import utcnow
from lab.errors import NotFound
from lab.retention.clock import Kind, destroy_at_for
from lab.retention.destruction import destroy_version
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


@functools.cache
def _versions_query(*, named: bool, live_only: bool) -> sa.Select[DatasetVersion]:
    """The version list's statement, built once per shape with the tenant, zone and name
    as bound parameters: the list is read on every request for it, and building the
    statement anew cost SQLAlchemy more than running it (its cache key, and matching the
    cached columns to the new statement's)."""
    query = (
        sa.select(DatasetVersion)
        .join(Dataset)
        # each version's dataset from the same join, not one more query per version
        .options(contains_eager(DatasetVersion.dataset))
        .where(Dataset.tenant == sa.bindparam("tenant"), Dataset.zone == sa.bindparam("zone"))
        .order_by(Dataset.name, DatasetVersion.version)
    )
    if named:
        query = query.where(Dataset.name == sa.bindparam("name"))
    if live_only:
        query = query.where(DatasetVersion.state == READY)
    return query


def list_versions(
    session: Session, *, tenant: str, zone: str, name: str | None = None, live_only: bool = True
) -> list[VersionInfo]:
    query = _versions_query(named=name is not None, live_only=live_only)
    values = {"tenant": tenant, "zone": zone}
    if name is not None:
        values["name"] = name
    return [VersionInfo.of(row) for row in session.scalars(query, values)]


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


def list_datasets(
    lab: Lab,
    principal: Principal,
    *,
    tenant: str,
    zone: str,
    name: str | None = None,
    include_destroyed: bool = False,
    origin: Origin = "all",
    request_id: str | None = None,
) -> list[VersionInfo]:
    """The versions of a tenant's datasets in a zone (of one dataset, given its name), of
    `origin`: imported data, what jobs wrote (`job-<id>-<output>`, `release-<id>`), or all."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.READ,
        f"datasets/{name}" if name else "datasets",
        tenant=tenant,
        zone=zone,
        request_id=request_id,
    )
    with lab.read() as session:
        found = list_versions(
            session, tenant=tenant, zone=zone, name=name, live_only=not include_destroyed
        )
    return [v for v in found if from_origin(v, origin)]


def destroy_dataset_version(
    lab: Lab, principal: Principal, actor: Actor, ref: VersionRef, *, reason: str
) -> Destroyed:
    """Destroy a version now: files removed, key shredded, receipt written."""
    version_id = _allowed_version(lab, principal, actor, AccessAction.DESTROY, ref)
    receipt = destroy_version(
        lab,
        version_id,
        actor=actor.name,
        why=f"requested: {reason}",
        rule="manual destruction",
        request_id=actor.request_id,
    )
    return Destroyed(version_id, receipt)


def place_hold(
    lab: Lab, principal: Principal, actor: Actor, ref: VersionRef, *, reason: str
) -> VersionInfo:
    """Place a legal hold: the version is not destroyed while it holds."""
    return _change_hold(lab, principal, actor, ref, held=True, reason=reason)


def release_hold(
    lab: Lab, principal: Principal, actor: Actor, ref: VersionRef, *, reason: str
) -> VersionInfo:
    """Release a legal hold; a version past its destroy-at goes at the next run."""
    return _change_hold(lab, principal, actor, ref, held=False, reason=reason)


def _allowed_version(
    lab: Lab, principal: Principal, actor: Actor, action: AccessAction, ref: VersionRef
) -> str:
    """Pass the chokepoint for `action` on the version, then find its id."""
    lab.chokepoint.authorize_named(
        principal,
        action,
        ref.resource,
        tenant=ref.tenant,
        zone=ref.zone,
        request_id=actor.request_id,
    )
    with lab.read() as session:
        return version_id_of(
            session, tenant=ref.tenant, zone=ref.zone, name=ref.name, version=ref.version
        )


def _change_hold(
    lab: Lab, principal: Principal, actor: Actor, ref: VersionRef, *, held: bool, reason: str
) -> VersionInfo:
    """Place or release a legal hold, audited with its reason, in one transaction."""
    version_id = _allowed_version(lab, principal, actor, AccessAction.HOLD, ref)
    with lab.transaction() as session:
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
