"""Start-up recovery: finish what killed writers left behind.

`recover_orphans` runs its own short transactions (one per orphan), because each orphan's
key must be shredded and its row marked "destroyed" durably before its files go:

- a version still "writing" whose writer is gone (same host, process dead) or that is
  older than `stale_after` (any host): key shredded, state "destroyed", its staging and
  final folders removed;
- staging folders of versions that are not being written any more (or unknown);
- folders of versions already "destroyed" (a crash between commit and removal).

Versions left "destroying" are not touched here: `due_for_destruction` lists them, and the
destruction scheduler finishes them with a receipt. Returns what was cleaned so that the
caller can audit it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from lab.db.base import utcnow
from lab.errors import LabError
from lab.keys.hierarchy import shred_key
from lab.storage.catalog import get_version
from lab.storage.destroy import scrub_metastore
from lab.storage.layout import (
    STAGING,
    STORAGE,
    check_tenant,
    check_zone,
    remove_tree,
    resolve,
    staging_dir,
)
from lab.storage.liveness import is_local_and_dead
from lab.storage.models import DESTROYED, WRITING, DatasetVersion

log = logging.getLogger(__name__)

INTERRUPTED = "interrupted write"
LEFTOVER = "leftover files"
_CHUNK = 500


@dataclass(frozen=True)
class RecoveredVersion:
    version_id: str
    tenant: str
    zone: str
    reason: str  # INTERRUPTED (row destroyed, key shredded) or LEFTOVER (files only)
    key_name: str | None  # the key shredded by this recovery, if any
    removed: tuple[str, ...]  # folders removed, relative to the lab home
    bytes_removed: int


def recover_orphans(
    sessions: sessionmaker[Session], home: Path, *, stale_after: timedelta = timedelta(hours=24)
) -> list[RecoveredVersion]:
    """Clean interrupted writes and leftover folders; see the module documentation."""
    cleaned = [_recover_write(sessions, home, vid) for vid in _orphans(sessions, stale_after)]
    found = [c for c in cleaned if c is not None]
    found += _sweep_folders(sessions, home)
    if found:
        with sessions() as session:
            bind = session.get_bind()
        if isinstance(bind, Engine):
            scrub_metastore(bind)
    return found


def _orphans(sessions: sessionmaker[Session], stale_after: timedelta) -> list[str]:
    cutoff = utcnow() - stale_after
    with sessions() as session:
        rows = session.execute(
            sa.select(DatasetVersion.id, DatasetVersion.writer, DatasetVersion.created_at).where(
                DatasetVersion.state == WRITING
            )
        ).all()
    return [vid for vid, writer, created in rows if created < cutoff or is_local_and_dead(writer)]


def _recover_write(
    sessions: sessionmaker[Session], home: Path, vid: str
) -> RecoveredVersion | None:
    with sessions.begin() as session:
        row = get_version(session, vid, lock=True)
        if row.state != WRITING:  # it finished, or someone else recovered it
            return None
        tenant, zone, key_name, relpath = (
            row.dataset.tenant,
            row.dataset.zone,
            row.key_name,
            row.storage_path,
        )
        shred_key(session, key_name)
        row.state = DESTROYED
        row.destroy_reason = f"{INTERRUPTED} (recovered)"
        row.destroyed_at = utcnow()
    removed, size = _remove(home, [staging_dir(home, zone, tenant, vid), resolve(home, relpath)])
    return RecoveredVersion(vid, tenant, zone, INTERRUPTED, key_name, removed, size)


def _sweep_folders(sessions: sessionmaker[Session], home: Path) -> list[RecoveredVersion]:
    """Staging folders not being written, and folders of destroyed versions."""
    candidates: list[tuple[str, str, str, Path, bool]] = []  # id, tenant, zone, folder, staging
    storage = home / STORAGE
    for root in sorted(storage.glob("*/*")) if storage.is_dir() else []:
        zone, tenant = root.parent.name, root.name
        try:
            check_zone(zone)
            check_tenant(tenant)
        except LabError:
            continue
        for folder in sorted(root.glob(f"{STAGING}/*")):
            candidates.append((folder.name, tenant, zone, folder, True))
        for folder in sorted(root.glob("*/*")):
            if not folder.parent.name.startswith("."):
                candidates.append((folder.name, tenant, zone, folder, False))
    states: dict[str, str] = {}
    with sessions() as session:
        ids = sorted({c[0] for c in candidates})
        for start in range(0, len(ids), _CHUNK):
            query = sa.select(DatasetVersion.id, DatasetVersion.state).where(
                DatasetVersion.id.in_(ids[start : start + _CHUNK])
            )
            states.update({vid: state for vid, state in session.execute(query)})
    found = []
    for vid, tenant, zone, folder, staging in candidates:
        state = states.get(vid)
        if (staging and state != WRITING) or state == DESTROYED:
            removed, size = _remove(home, [folder])
            found.append(RecoveredVersion(vid, tenant, zone, LEFTOVER, None, removed, size))
    return found


def _remove(home: Path, folders: list[Path]) -> tuple[tuple[str, ...], int]:
    removed: list[str] = []
    total = 0
    for folder in folders:
        if folder.exists():
            total += remove_tree(folder)
            removed.append(folder.relative_to(home).as_posix())
    return tuple(removed), total
