"""The keyring: wrapped keys kept in the metastore, so every lab process finds the same keys.

Only wrapped bytes are stored; the master key that opens them is never in the metastore.

Keys form a tree. `wrapped_by` names the key that wraps a row's bytes; NULL means the
master key (the audit signing seed, the per (zone, tenant) storage keys). A destroyed key
keeps a tombstone row (name, kind, `destroyed_at`) whose wrapped bytes are gone, so it can
never be unwrapped again (crypto-shredding) while its name stays on record.
"""

from __future__ import annotations

import os
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from lab.db.base import Base, UTCDateTime, utcnow
from lab.errors import ConfigurationError
from lab.keys.envelope import unwrap, wrap


class StoredKey(Base):
    __tablename__ = "keyring"

    name: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    wrapped: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    wrapped_by: Mapped[str | None] = mapped_column(sa.String(200), index=True, default=None)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


def get_or_create_secret(session: Session, master: bytes, name: str, *, kind: str) -> bytes:
    """The unwrapped key called `name`, created (32 random bytes) on first use."""
    row = session.get(StoredKey, name)
    if row is None:
        secret = os.urandom(32)
        session.add(StoredKey(name=name, kind=kind, wrapped=wrap(master, secret, purpose=name)))
        session.flush()
        return secret
    return unwrap(master, row.wrapped, purpose=name)


def destroy_key(session: Session, name: str) -> bool:
    """Shred the key called `name`: its wrapped bytes are erased, a tombstone row stays.

    True if this call destroyed it; False if it was already destroyed or never existed.
    Keys wrapped by it become unopenable as well. Runs in the caller's transaction.
    """
    row = session.get(StoredKey, name, with_for_update=True)
    if row is None or row.destroyed_at is not None:
        return False
    row.wrapped = b""
    row.destroyed_at = utcnow()
    session.flush()
    return True


def rotate_master_key(session: Session, old: bytes, new: bytes) -> int:
    """Rewrap every live key wrapped directly by the master key from `old` to `new`.

    Keys lower in the tree (wrapped by another key) and data files are not touched. One
    transaction (the caller's): either every key moves to the new master key or none does.
    After the commit the old master key opens nothing; the caller then replaces the key
    file or `LAB_MASTER_KEY`. Returns how many keys were rewrapped.
    """
    if old == new:
        raise ConfigurationError("the new master key is the same as the old one")
    rows = session.scalars(
        sa.select(StoredKey)
        .where(StoredKey.wrapped_by.is_(None), StoredKey.destroyed_at.is_(None))
        .order_by(StoredKey.name)
        .with_for_update()
    ).all()
    for row in rows:
        secret = unwrap(old, row.wrapped, purpose=row.name)
        row.wrapped = wrap(new, secret, purpose=row.name)
    session.flush()
    return len(rows)
