"""Catalog look-ups and state changes of dataset versions, in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.db.base import utcnow
from lab.errors import Conflict, InvalidInput, NotFound
from lab.storage.layout import check_dataset_name, check_tenant, check_zone
from lab.storage.models import DESTROYED, DESTROYING, READY, Dataset, DatasetVersion


@dataclass(frozen=True)
class VersionInfo:
    """A snapshot of one dataset version, safe to use after its session has closed."""

    id: str
    dataset_id: str
    tenant: str
    zone: str
    name: str
    version: int
    state: str
    columns: tuple[dict[str, str], ...]
    lineage: dict[str, Any]
    row_count: int | None
    byte_size: int | None
    files: tuple[dict[str, Any], ...]
    key_name: str
    storage_path: str
    created_at: datetime
    committed_at: datetime | None
    destroy_at: datetime | None
    legal_hold: bool
    destroyed_at: datetime | None

    @classmethod
    def of(cls, row: DatasetVersion) -> VersionInfo:
        return cls(
            id=row.id,
            dataset_id=row.dataset_id,
            tenant=row.dataset.tenant,
            zone=row.dataset.zone,
            name=row.dataset.name,
            version=row.version,
            state=row.state,
            columns=tuple(dict(c) for c in row.schema_json),
            lineage=dict(row.lineage or {}),
            row_count=row.row_count,
            byte_size=row.byte_size,
            files=tuple(dict(f) for f in row.files or ()),
            key_name=row.key_name,
            storage_path=row.storage_path,
            created_at=row.created_at,
            committed_at=row.committed_at,
            destroy_at=row.destroy_at,
            legal_hold=row.legal_hold,
            destroyed_at=row.destroyed_at,
        )


def get_version(session: Session, version_id: str, *, lock: bool = False) -> DatasetVersion:
    """The version row; `lock` takes a row lock (PostgreSQL) until the transaction ends."""
    row = session.get(
        DatasetVersion, version_id, with_for_update=lock or None, populate_existing=lock
    )
    if row is None:
        raise NotFound(f"no dataset version {version_id!r}")
    return row


def ready_version(session: Session, version_id: str) -> DatasetVersion:
    """The version if readers may see it, else NotFound (writing, destroying, destroyed)."""
    row = get_version(session, version_id)
    if row.state != READY:
        raise NotFound(f"dataset version {version_id!r} is not readable (state {row.state})")
    return row


def find_version(
    session: Session, *, tenant: str, zone: str, name: str, version: int | None = None
) -> VersionInfo:
    """A ready version by name: the given version number, or the newest ready one."""
    query = (
        sa.select(DatasetVersion)
        .join(Dataset)
        .where(
            Dataset.tenant == check_tenant(tenant),
            Dataset.zone == check_zone(zone),
            Dataset.name == check_dataset_name(name),
            DatasetVersion.state == READY,
        )
        .order_by(DatasetVersion.version.desc())
        .limit(1)
    )
    if version is not None:
        query = query.where(DatasetVersion.version == version)
    row = session.scalars(query).first()
    if row is None:
        which = f"version {version}" if version is not None else "ready version"
        raise NotFound(f"no {which} of dataset {name!r} of {tenant!r} in {zone!r}")
    return VersionInfo.of(row)


def set_legal_hold(session: Session, version_id: str, *, held: bool) -> None:
    """Place or lift a legal hold on a ready version; a held version cannot be destroyed."""
    row = get_version(session, version_id, lock=True)
    if held and row.state != READY:
        raise Conflict(f"dataset version {version_id!r} is {row.state}: only ready ones are held")
    row.legal_hold = held
    session.flush()


def request_destruction(session: Session, version_id: str, *, reason: str) -> None:
    """Mark a ready version "destroying": from the commit on, no reader opens it.

    Committing this before `destroy_version` means no reader ever meets a version whose
    files are half removed. Refused under a legal hold. Idempotent.
    """
    if not reason.strip():
        raise InvalidInput("a destruction needs a reason", field="reason")
    row = get_version(session, version_id, lock=True)
    if row.state in (DESTROYING, DESTROYED):
        return
    if row.state != READY:
        raise Conflict(f"dataset version {version_id!r} is {row.state}, not ready")
    if row.legal_hold:
        raise Conflict(f"dataset version {version_id!r} is under legal hold")
    row.state = DESTROYING
    row.destroy_reason = reason[:500]
    session.flush()


def due_for_destruction(session: Session, now: datetime | None = None) -> list[str]:
    """Ids of versions to destroy now: "destroying" ones, then ready ones past destroy_at."""
    now = now or utcnow()
    query = (
        sa.select(DatasetVersion.id)
        .where(
            sa.or_(
                DatasetVersion.state == DESTROYING,
                sa.and_(
                    DatasetVersion.state == READY,
                    DatasetVersion.destroy_at <= now,
                    DatasetVersion.legal_hold.is_(False),
                ),
            )
        )
        .order_by(DatasetVersion.destroy_at, DatasetVersion.id)
    )
    return list(session.scalars(query))
