"""Writing a dataset version with the crash-safe protocol.

A version becomes visible only once it is completely written and its metadata committed:

1. short transaction: the dataset row (created on first use), the version row in state
   "writing" with the writing process's name, and the version's key; committed.
2. encrypted files streamed into `<root>/.staging/<version-id>/`; files and folder fsynced.
3. the staging folder renamed to `<root>/<dataset-id>/<version-id>/`; parents fsynced.
4. short transaction: state "ready", file hashes, counts and sizes; committed.

These are the function's own transactions (the crash-safety needs step 1 durable before any
file exists, and step 4 only after every file is). A failure in between marks the version
"destroyed", shreds its key and removes its files; once the files are gone, the rows of a
version that never became visible are forgotten (the version row, its key's tombstone, and
the dataset row if it has no other version), so a failed write leaves nothing and takes no
version number. A killed process leaves a "writing" row and staging files that
`recover_orphans` cleans at the next start-up (and keeps as a "destroyed" tombstone: the
recovery is audited and names it). Files are encrypted
from the first byte, so no step ever puts plaintext on disk.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lab.db.base import utcnow
from lab.errors import Conflict, InvalidInput
from lab.keys.hierarchy import create_version_key, shred_key
from lab.keys.keyring import StoredKey
from lab.storage import hooks
from lab.storage.catalog import VersionInfo, get_version
from lab.storage.layout import (
    check_dataset_name,
    check_tenant,
    check_zone,
    fsync_dir,
    make_dirs,
    remove_tree,
    resolve,
    staging_dir,
    version_relpath,
)
from lab.storage.liveness import writer_id
from lab.storage.models import CLASSIFICATIONS, DESTROYED, READY, WRITING, Dataset, DatasetVersion
from lab.storage.parquet_io import WriteLimits, WrittenFile, write_encrypted

log = logging.getLogger(__name__)

UNLABELLED = "sensitive"
"""Columns without a classification are treated as sensitive: the cautious default."""

_ATTEMPTS = 5


def describe_columns(
    schema: pa.Schema, classifications: Mapping[str, str] | None
) -> list[dict[str, str]]:
    """The catalog's column list: name, Arrow type and classification of each column."""
    labels = dict(classifications or {})
    names = list(schema.names)
    if len(set(names)) != len(names):
        raise InvalidInput("column names must be unique", columns=names)
    unknown = sorted(set(labels) - set(names))
    if unknown:
        raise InvalidInput(f"classifications name unknown columns: {unknown}", field="columns")
    wrong = {k: v for k, v in labels.items() if v not in CLASSIFICATIONS}
    if wrong:
        raise InvalidInput(
            f"unknown classifications {wrong}; use one of {', '.join(CLASSIFICATIONS)}",
            field="classifications",
        )
    return [
        {"name": f.name, "type": str(f.type), "classification": labels.get(f.name, UNLABELLED)}
        for f in schema
    ]


def write_version(
    sessions: sessionmaker[Session],
    home: Path,
    master: bytes,
    *,
    tenant: str,
    zone: str,
    name: str,
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    classifications: Mapping[str, str] | None = None,
    lineage: Mapping[str, Any] | None = None,
    destroy_at: datetime | None = None,
    limits: WriteLimits | None = None,
) -> VersionInfo:
    """Write a new version of `tenant`'s dataset `name` in `zone`; returns it, "ready".

    Runs its own transactions: do not call it while holding an open write transaction on
    the same metastore (on SQLite it would wait for itself).
    """
    check_tenant(tenant)
    check_zone(zone)
    check_dataset_name(name)
    columns = describe_columns(schema, classifications)
    if destroy_at is not None and destroy_at.tzinfo is None:
        raise InvalidInput("destroy_at must be timezone-aware", field="destroy_at")
    version_id, key_name, key, relpath = _begin(
        sessions, master, tenant, zone, name, columns, dict(lineage or {}), destroy_at
    )
    staging = staging_dir(home, zone, tenant, version_id)
    final = resolve(home, relpath)
    try:
        make_dirs(staging)
        hooks.reached("staging-created")
        files = write_encrypted(staging, batches, schema, key_name=key_name, key=key, limits=limits)
        del key
        hooks.reached("files-written")
        make_dirs(final.parent)
        staging.rename(final)
        fsync_dir(final.parent)
        fsync_dir(staging.parent)
        hooks.reached("renamed")
        return _commit(sessions, version_id, files)
    except BaseException as exc:
        _abandon(sessions, version_id, (staging, final), f"write failed: {type(exc).__name__}")
        raise


def _begin(
    sessions: sessionmaker[Session],
    master: bytes,
    tenant: str,
    zone: str,
    name: str,
    columns: list[dict[str, str]],
    lineage: dict[str, Any],
    destroy_at: datetime | None,
) -> tuple[str, str, bytes, str]:
    """Step 1, retried when a concurrent writer took the same dataset or version number."""
    for attempt in range(_ATTEMPTS):
        try:
            with sessions.begin() as session:
                dataset = _dataset(session, tenant, zone, name)
                number = session.scalar(
                    sa.select(sa.func.coalesce(sa.func.max(DatasetVersion.version), 0)).where(
                        DatasetVersion.dataset_id == dataset.id
                    )
                )
                version_id = uuid.uuid4().hex
                key_name, key = create_version_key(session, master, zone, tenant, version_id)
                relpath = version_relpath(zone, tenant, dataset.id, version_id)
                session.add(
                    DatasetVersion(
                        id=version_id,
                        dataset_id=dataset.id,
                        version=int(number or 0) + 1,
                        state=WRITING,
                        schema_json=columns,
                        lineage=lineage,
                        key_name=key_name,
                        storage_path=relpath,
                        writer=writer_id(),
                        destroy_at=destroy_at,
                    )
                )
            return version_id, key_name, key, relpath
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise Conflict(
                    f"could not start a version of {name!r}: too much contention"
                ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _dataset(session: Session, tenant: str, zone: str, name: str) -> Dataset:
    """The dataset row, created on first use, locked (PostgreSQL) for version numbering."""
    query = sa.select(Dataset).where(
        Dataset.tenant == tenant, Dataset.zone == zone, Dataset.name == name
    )
    dataset = session.scalars(query.with_for_update()).first()
    if dataset is None:
        dataset = Dataset(id=uuid.uuid4().hex, tenant=tenant, zone=zone, name=name)
        session.add(dataset)
        session.flush()
    return dataset


def _commit(
    sessions: sessionmaker[Session], version_id: str, files: list[WrittenFile]
) -> VersionInfo:
    """Step 4: the version becomes visible, with what was written."""
    with sessions.begin() as session:
        row = get_version(session, version_id, lock=True)
        if row.state != WRITING:
            raise Conflict(
                f"dataset version {version_id!r} was abandoned while being written "
                f"(now {row.state}); write it again"
            )
        row.state = READY
        row.files = [f.as_json() for f in files]
        row.row_count = sum(f.rows for f in files)
        row.byte_size = sum(f.bytes for f in files)
        row.committed_at = utcnow()
        session.flush()
        return VersionInfo.of(row)


def _abandon(
    sessions: sessionmaker[Session], version_id: str, folders: tuple[Path, ...], reason: str
) -> None:
    """Undo a failed write: shred the key, mark the row destroyed, then remove the files.

    Files are removed only once the metastore confirms the version is not ready (a commit
    that failed late might have gone through). When the metastore cannot be reached, the
    row stays "writing" and `recover_orphans` finishes the job.
    """
    abandoned_here = False
    try:
        with sessions.begin() as session:
            row = get_version(session, version_id, lock=True)
            if row.state == READY:
                return
            if row.state == WRITING:
                shred_key(session, row.key_name)
                row.state = DESTROYED
                row.destroy_reason = reason
                row.destroyed_at = utcnow()
                abandoned_here = True
    except Exception:
        log.exception("could not abandon dataset version %s; recovery will", version_id)
        return
    for folder in folders:
        try:
            remove_tree(folder)
        except OSError:
            log.exception("could not remove %s; recovery will", folder)
            return
    if not abandoned_here:  # recovery destroyed it first, and its record names the row
        return
    try:
        _forget(sessions, version_id)
    except Exception:  # the tombstone stays: it holds nothing readable
        log.exception("could not forget abandoned dataset version %s", version_id)


def _forget(sessions: sessionmaker[Session], version_id: str) -> None:
    """Remove the rows of an abandoned version whose files are gone: it was never visible,
    never audited as written, and its key is already shredded."""
    with sessions.begin() as session:
        row = session.get(DatasetVersion, version_id, with_for_update=True)
        if row is None or row.state != DESTROYED or row.committed_at is not None:
            return
        dataset = session.get(Dataset, row.dataset_id, with_for_update=True)
        key = session.get(StoredKey, row.key_name)
        if key is not None and key.destroyed_at is not None:
            session.delete(key)
        session.delete(row)
        session.flush()
        others = session.scalar(
            sa.select(sa.func.count())
            .select_from(DatasetVersion)
            .where(DatasetVersion.dataset_id == row.dataset_id)
        )
        if dataset is not None and not others:
            session.delete(dataset)
