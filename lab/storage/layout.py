"""Where a dataset's files live, the names allowed in those paths, and durable file steps.

On-disk layout, under the lab home::

    storage/<zone>/<tenant>/                    one root per (zone, tenant), mode 0700
        .staging/<version-id>/part-00000.parquet   a version being written (never read)
        <dataset-id>/<version-id>/part-*.parquet    committed versions (read when "ready")

Zone and tenant become path components, so both are checked against a strict pattern
before any path is built; dataset and version ids are generated hex strings.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from lab.errors import InvalidInput

STORAGE = "storage"
STAGING = ".staging"
TRASH = ".trash"
DIR_MODE = 0o700

_ZONE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_TENANT = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_DATASET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
_ID = re.compile(r"^[0-9a-f]{32}$")


def check_zone(zone: str) -> str:
    if not _ZONE.fullmatch(zone):
        raise InvalidInput(
            f"zone {zone!r} is not allowed: use 2-40 lower-case letters, digits or '-', "
            "starting with a letter",
            field="zone",
        )
    return zone


def check_tenant(tenant: str) -> str:
    if not _TENANT.fullmatch(tenant):
        raise InvalidInput(
            f"tenant {tenant!r} is not a tenant slug (2-40 lower-case letters, digits or '-')",
            field="tenant",
        )
    return tenant


def check_dataset_name(name: str) -> str:
    if not _DATASET.fullmatch(name):
        raise InvalidInput(
            f"dataset name {name!r} is not allowed: use 1-200 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit",
            field="name",
        )
    return name


def _check_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise InvalidInput(f"{value!r} is not a storage id", field="id")
    return value


def storage_root(home: Path, zone: str, tenant: str) -> Path:
    """The storage root of one (zone, tenant)."""
    return home / STORAGE / check_zone(zone) / check_tenant(tenant)


def staging_dir(home: Path, zone: str, tenant: str, version_id: str) -> Path:
    return storage_root(home, zone, tenant) / STAGING / _check_id(version_id)


def trash_dir(home: Path, zone: str, tenant: str, version_id: str) -> Path:
    """Where a destroyed version's (keyless) files wait for their blocks to be freed."""
    return storage_root(home, zone, tenant) / TRASH / _check_id(version_id)


def version_relpath(zone: str, tenant: str, dataset_id: str, version_id: str) -> str:
    """The committed folder of a version, relative to the lab home (stored in the catalog)."""
    parts = (STORAGE, check_zone(zone), check_tenant(tenant), _check_id(dataset_id))
    return "/".join((*parts, _check_id(version_id)))


def resolve(home: Path, relpath: str) -> Path:
    """An absolute path for a catalog-relative one; refuses anything outside the storage."""
    path = home / relpath
    if not path.resolve().is_relative_to((home / STORAGE).resolve()):
        raise InvalidInput(f"storage path {relpath!r} points outside the lab storage")
    return path


def make_dirs(path: Path) -> None:
    """Create `path` and missing parents with mode 0700, syncing each new entry."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        fsync_dir(folder.parent)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make the entries of a folder (creations, renames, removals) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_tree(path: Path) -> int:
    """Remove a folder and its files durably; returns the bytes unlinked (0 if absent)."""
    if not path.exists():
        return 0
    removed = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    shutil.rmtree(path)
    fsync_dir(path.parent)
    return removed
