"""The storage key hierarchy: master key → (zone, tenant) key → dataset-version key.

Every key is 32 random bytes from `os.urandom`, stored only wrapped (AES-GCM, the key's
name as associated data) in the keyring table:

- `storage/<zone>/<tenant>`: wrapped by the master key (`wrapped_by` NULL), created on
  first write into that (zone, tenant); destroying it shreds every dataset stored there.
- `dataset-version/<version-id>`: wrapped by its (zone, tenant) key; it wraps the data
  keys inside the Parquet files of that one version. Destroying it shreds the version.

Zone and tenant names are checked by the storage where they become paths (`lab.storage.
layout`); here they only name keyring rows, so this module needs nothing of the storage.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lab.errors import ConfigurationError, Conflict, NotFound
from lab.keys.envelope import unwrap, wrap
from lab.keys.keyring import StoredKey, destroy_key

KEY_BYTES = 32
ZONE_TENANT_KIND = "storage-zone-tenant"
VERSION_KIND = "dataset-version"


def zone_tenant_key_name(zone: str, tenant: str) -> str:
    return f"storage/{zone}/{tenant}"


def version_key_name(version_id: str) -> str:
    return f"dataset-version/{version_id}"


def ensure_zone_tenant_key(session: Session, master: bytes, zone: str, tenant: str) -> bytes:
    """The (zone, tenant) key, created on first use; refuses a destroyed one."""
    name = zone_tenant_key_name(zone, tenant)
    row = session.get(StoredKey, name)
    if row is not None and row.destroyed_at is not None:
        raise Conflict(f"the storage key of tenant {tenant!r} in zone {zone!r} was destroyed")
    if row is None:
        secret = os.urandom(KEY_BYTES)
        try:
            # A savepoint: a concurrent creator wins on the primary key, and we use its key.
            with session.begin_nested():
                session.add(
                    StoredKey(
                        name=name,
                        kind=ZONE_TENANT_KIND,
                        wrapped=wrap(master, secret, purpose=name),
                    )
                )
            return secret
        except IntegrityError:
            row = session.get(StoredKey, name, populate_existing=True)
            if row is None:  # pragma: no cover - the conflicting row vanished
                raise
    return _open(master, row)


def create_version_key(
    session: Session, master: bytes, zone: str, tenant: str, version_id: str
) -> tuple[str, bytes]:
    """A new key for one dataset version, wrapped by its (zone, tenant) key."""
    parent_name = zone_tenant_key_name(zone, tenant)
    parent = ensure_zone_tenant_key(session, master, zone, tenant)
    name = version_key_name(version_id)
    secret = os.urandom(KEY_BYTES)
    session.add(
        StoredKey(
            name=name,
            kind=VERSION_KIND,
            wrapped=wrap(parent, secret, purpose=name),
            wrapped_by=parent_name,
        )
    )
    session.flush()
    return name, secret


def shred_key(session: Session, name: str) -> bool:
    """Destroy a key (see `lab.keys.keyring.destroy_key`), zeroing freed bytes on SQLite.

    With SQLite's `secure_delete` on, the page space the wrapped bytes occupied is
    overwritten rather than left free; `scrub_metastore` then clears the write-ahead log.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("PRAGMA secure_delete=ON"))
    return destroy_key(session, name)


def shred_tenant_keys(session: Session, tenant: str, zones: Iterable[str]) -> list[str]:
    """Off-boarding: shred the tenant's (zone, tenant) key in each zone, and with it every
    dataset-version key it wraps. Returns the names of the keys this call destroyed."""
    names = [zone_tenant_key_name(zone, tenant) for zone in zones]
    return [name for name in names if shred_key(session, name)]


def open_version_key(session: Session, master: bytes, key_name: str) -> bytes:
    """Unwrap a dataset-version key through its (zone, tenant) key."""
    row = session.get(StoredKey, key_name)
    if row is None or row.kind != VERSION_KIND:
        raise NotFound(f"no dataset key {key_name!r}")
    if row.destroyed_at is not None:
        raise NotFound(f"the dataset key {key_name!r} was destroyed")
    if row.wrapped_by is None:
        raise ConfigurationError(f"the dataset key {key_name!r} has no parent key")
    parent_row = session.get(StoredKey, row.wrapped_by)
    if parent_row is None:
        raise ConfigurationError(f"the parent key of {key_name!r} is missing")
    parent = _open(master, parent_row)
    return unwrap(parent, row.wrapped, purpose=row.name)


def _open(master: bytes, row: StoredKey) -> bytes:
    if row.destroyed_at is not None:
        raise NotFound(f"the key {row.name!r} was destroyed")
    return unwrap(master, row.wrapped, purpose=row.name)
