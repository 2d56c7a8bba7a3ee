"""Destroying versions: files removed, key shredded, tombstones kept, legal holds obeyed."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pyarrow.dataset as pads
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.db.base import utcnow
from lab.errors import ConfigurationError, Conflict, NotFound
from lab.keys.envelope import unwrap
from lab.keys.keyring import StoredKey
from lab.storage import (
    DatasetVersion,
    due_for_destruction,
    request_destruction,
    scrub_metastore,
    set_legal_hold,
)
from lab.storage.kms import parquet_format
from tests.lab.storage.factories import StorageWorld, plaintext_hits


def _state(world: StorageWorld, version_id: str) -> str:
    with world.sessions() as session:
        row = session.get(DatasetVersion, version_id)
        assert row is not None
        return row.state


def _every_key_the_lab_still_holds(world: StorageWorld) -> dict[str, bytes]:
    """Unwrap everything still in the keyring, through the whole hierarchy."""
    with world.sessions() as session:
        rows = {k.name: k for k in session.scalars(sa.select(StoredKey))}
    opened: dict[str, bytes] = {}
    for name, row in rows.items():
        if row.wrapped_by is None and row.destroyed_at is None:
            opened[name] = unwrap(world.master, row.wrapped, purpose=name)
    for name, row in rows.items():
        if row.wrapped_by in opened and row.destroyed_at is None:
            opened[name] = unwrap(opened[row.wrapped_by], row.wrapped, purpose=name)
    return opened


def test_destroyed_files_copied_aside_cannot_be_decrypted(
    world: StorageWorld, tmp_path: Path
) -> None:
    info, kept = world.write(4_000), world.write(100)
    folder = world.home / info.storage_path
    copies = tmp_path / "copied-aside"
    shutil.copytree(folder, copies)
    copy = copies / info.files[0]["name"]
    before = _every_key_the_lab_still_holds(world)
    assert pads.dataset([str(copy)], format=parquet_format(before)).count_rows() > 0

    with world.sessions.begin() as session:
        result = world.store.destroy_version(session, info.id, reason="retention expired")
    assert result is not None

    assert not folder.exists()
    assert result.key_name == info.key_name and result.reason == "retention expired"
    assert result.bytes_removed == info.byte_size
    assert [(f.path.rsplit("/", 1)[1], f.sha256, f.bytes) for f in result.files] == [
        (f["name"], f["sha256"], f["bytes"]) for f in info.files
    ]
    assert (result.tenant, result.zone, result.dataset_name, result.version) == (
        "acme",
        "sandbox",
        "merchants",
        1,
    )
    with world.sessions() as session:
        row = session.get(DatasetVersion, info.id)
        assert row is not None and row.state == "destroyed" and row.destroyed_at is not None
        key = session.get(StoredKey, info.key_name)
        assert key is not None and key.wrapped == b"" and key.destroyed_at is not None
        with pytest.raises(NotFound):
            world.store.read_table(session, info.id)
        assert world.store.read_table(session, kept.id).num_rows == 100  # others unharmed

    after = _every_key_the_lab_still_holds(world)
    assert info.key_name not in after and kept.key_name in after
    with pytest.raises((KeyError, ConfigurationError)):
        pads.dataset([str(copy)], format=parquet_format(after)).to_table()
    for candidate in after.values():  # not even under another name
        with pytest.raises((KeyError, ConfigurationError)):
            pads.dataset([str(copy)], format=parquet_format({info.key_name: candidate})).to_table()


def test_destruction_is_idempotent_and_reports_once(world: StorageWorld) -> None:
    info = world.write(500)
    results = []
    for _ in range(3):
        with world.sessions.begin() as session:
            results.append(world.store.destroy_version(session, info.id, reason="r"))
    assert results[0] is not None and results[1:] == [None, None]


def test_a_legal_hold_blocks_destruction_until_lifted(world: StorageWorld) -> None:
    info = world.write(500)
    with world.sessions.begin() as session:
        set_legal_hold(session, info.id, held=True)
    attempts: list[Callable[[Session], object]] = [
        lambda s: world.store.destroy_version(s, info.id, reason="retention"),
        lambda s: request_destruction(s, info.id, reason="retention"),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict, match="legal hold"), world.sessions.begin() as session:
            attempt(session)
    assert _state(world, info.id) == "ready"
    assert (world.home / info.storage_path).is_dir()
    with world.sessions.begin() as session:
        set_legal_hold(session, info.id, held=False)
        assert world.store.destroy_version(session, info.id, reason="retention") is not None
    with pytest.raises(Conflict), world.sessions.begin() as session:
        set_legal_hold(session, info.id, held=True)


def test_a_requested_destruction_hides_the_version_then_completes(world: StorageWorld) -> None:
    info = world.write(500)
    with world.sessions.begin() as session:
        request_destruction(session, info.id, reason="tenant off-boarding")
    with world.sessions() as session, pytest.raises(NotFound):
        world.store.read_table(session, info.id)
    with world.sessions.begin() as session:
        result = world.store.destroy_version(session, info.id, reason="scheduler")
    assert result is not None and result.reason == "tenant off-boarding"


def test_due_versions_are_listed_for_the_scheduler(world: StorageWorld) -> None:
    past, future = utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
    versions = [world.write(10, name=f"d{i}") for i in range(4)]
    with world.sessions.begin() as session:
        for info, when in zip(versions, (past, past, future, None), strict=True):
            row = session.get(DatasetVersion, info.id)
            assert row is not None
            row.destroy_at = when
        set_legal_hold(session, versions[1].id, held=True)
    with world.sessions.begin() as session:
        assert due_for_destruction(session) == [versions[0].id]
        request_destruction(session, versions[3].id, reason="r")
    with world.sessions() as session:
        assert set(due_for_destruction(session)) == {versions[0].id, versions[3].id}


def test_a_version_being_written_cannot_be_destroyed(world: StorageWorld) -> None:
    info = world.write(10)
    with world.sessions.begin() as session:
        row = session.get(DatasetVersion, info.id)
        assert row is not None
        row.state = "writing"
    with pytest.raises(Conflict, match="being written"), world.sessions.begin() as session:
        world.store.destroy_version(session, info.id, reason="r")


def test_the_shredded_key_bytes_leave_the_sqlite_metastore(tmp_path: Path) -> None:
    from tests.lab.storage.factories import make_world

    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'metastore.db'}")
    info = world.write(100)
    for i in range(30):  # more keys around it, so pages fill and move
        world.write(10, name=f"other{i}")
    with world.sessions() as session:
        key = session.get(StoredKey, info.key_name)
        assert key is not None
        wrapped = key.wrapped
    assert plaintext_hits(tmp_path, [wrapped])  # it is there before

    with world.sessions.begin() as session:
        assert world.store.destroy_version(session, info.id, reason="r") is not None
    # Until the write-ahead log is checkpointed and truncated, old frames may still hold it.
    assert scrub_metastore(world.engine)
    assert plaintext_hits(tmp_path, [wrapped]) == []
    world.close()
