"""Destroying a dataset version: remove its files, shred its key, keep a tombstone.

`destroy_version` runs in the caller's transaction and is idempotent: it continues from
whatever an interrupted earlier call left ("destroying" state, some files gone), and only
the call whose transaction marks the version "destroyed" gets a result; later calls get
None. The caller, `lab.retention.destruction` (the one place that destroys a version),
writes the destruction receipt (audit) in that same transaction, so there is exactly one
receipt. It writes no audit itself.

The key is shredded here, not by the caller: the protocol's order (files out of the
catalog's reach, then the key, then the state, under the row's lock) is what makes every
step repeatable after a crash, and the storage's crash tests drive it step by step.

Protocol (each step safe to repeat):

0. (recommended) `request_destruction` committed first: state "destroying", readers stop.
1. lock the row; "ready" becomes "destroying" here if step 0 was skipped.
2. move the version's folder out of the dataset, into the storage root's `.trash` (one
   rename, fsynced): from here no path of the catalog leads to the files.
3. shred the dataset-version key (its wrapped bytes are erased in the keyring).
4. state "destroyed", `destroyed_at`; the caller commits with its receipt.
5. after the commit, `empty_trash` unlinks the files (the file system frees their blocks,
   which takes time in proportion to their size); an interrupted emptying is finished by
   the next one, by the scheduler or at start-up.

Work up to the receipt is one rename plus one key row: its time does not grow with the
data's size. The files' contents are unreadable from the commit on (their key is gone).
Crypto-shredding does not depend on overwriting the files (pointless on SSDs and copy-on-write
file systems): any copy of them stays unreadable once the key is gone. On SQLite, call
`scrub_metastore` after the commit so the erased key bytes also leave the write-ahead log.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from lab.db.base import utcnow
from lab.errors import Conflict, InvalidInput
from lab.keys.hierarchy import shred_key
from lab.storage import hooks
from lab.storage.catalog import get_version
from lab.storage.layout import STORAGE, TRASH, fsync_dir, resolve, trash_dir
from lab.storage.models import DESTROYED, DESTROYING, READY, WRITING


@dataclass(frozen=True)
class DestroyedFile:
    path: str  # relative to the lab home
    sha256: str  # of the encrypted file, as recorded when it was written
    bytes: int


@dataclass(frozen=True)
class DestructionResult:
    """What was destroyed: the material of a destruction receipt (ids and hashes only)."""

    version_id: str
    dataset_id: str
    tenant: str
    zone: str
    dataset_name: str
    version: int
    reason: str
    key_name: str
    storage_path: str
    files: tuple[DestroyedFile, ...]
    bytes_removed: int
    destroyed_at: datetime


def destroy_version(
    session: Session, home: Path, version_id: str, *, reason: str
) -> DestructionResult | None:
    """Destroy a ready (or half-destroyed) version; None if it was already destroyed.

    Raises Conflict under a legal hold or while the version is still being written.
    """
    if not reason.strip():
        raise InvalidInput("a destruction needs a reason", field="reason")
    row = get_version(session, version_id, lock=True)
    if row.state == DESTROYED:
        return None
    if row.state == WRITING:
        raise Conflict(
            f"dataset version {version_id!r} is being written; "
            "an interrupted write is cleaned by recover_orphans"
        )
    if row.state == READY:
        if row.legal_hold:
            raise Conflict(f"dataset version {version_id!r} is under legal hold")
        row.state = DESTROYING
    if row.destroy_reason is None:
        row.destroy_reason = reason[:500]
    session.flush()
    hooks.reached("destroy-marked")

    folder = resolve(home, row.storage_path)
    recorded = tuple(
        DestroyedFile(f"{row.storage_path}/{f['name']}", str(f["sha256"]), int(f["bytes"]))
        for f in row.files or ()
    )
    _discard(folder, trash_dir(home, row.dataset.zone, row.dataset.tenant, row.id))
    hooks.reached("files-removed")

    shred_key(session, row.key_name)
    hooks.reached("key-destroyed")
    row.state = DESTROYED
    row.destroyed_at = utcnow()
    session.flush()
    dataset = row.dataset
    return DestructionResult(
        version_id=row.id,
        dataset_id=row.dataset_id,
        tenant=dataset.tenant,
        zone=dataset.zone,
        dataset_name=dataset.name,
        version=row.version,
        reason=row.destroy_reason or reason,
        key_name=row.key_name,
        storage_path=row.storage_path,
        files=recorded,
        bytes_removed=sum(f.bytes for f in recorded),
        destroyed_at=row.destroyed_at,
    )


def _discard(folder: Path, trash: Path) -> None:
    """Move a version's folder to the trash in one rename (repeatable after a crash)."""
    if not folder.exists():
        return
    trash.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if trash.exists():  # an earlier, interrupted attempt
        shutil.rmtree(trash)
    folder.rename(trash)
    fsync_dir(folder.parent)
    fsync_dir(trash.parent)


def empty_trash(home: Path) -> int:
    """Unlink the files of destroyed versions waiting in the trash; return bytes freed.

    Several processes may empty the same trash at once: a file another one removed first
    is simply gone."""
    freed = 0
    for trash in sorted((home / STORAGE).glob(f"*/*/{TRASH}/*")):
        for file in trash.rglob("*"):
            try:
                size = file.stat().st_size if file.is_file() else None
                if size is not None:
                    file.unlink()
                    freed += size
                    hooks.reached("file-removed")
            except FileNotFoundError:
                continue
        shutil.rmtree(trash, ignore_errors=True)
    return freed


def scrub_metastore(engine: Engine) -> bool:
    """After destructions commit (SQLite): checkpoint and truncate the write-ahead log.

    Old pages holding erased key bytes then survive nowhere in the WAL. True if the
    checkpoint completed (a long-running reader can hold it back; call again later).
    PostgreSQL keeps dead row versions until VACUUM; schedule `VACUUM keyring` there.
    """
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = cursor.fetchone()
        cursor.close()
        return row is not None and int(row[0]) == 0
    finally:
        raw.close()
