"""Killed writers and destroyers: nothing half-written becomes visible, the next run finishes."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lab.errors import Conflict, NotFound
from lab.keys.keyring import StoredKey
from lab.storage import DatasetVersion, hooks
from lab.storage.layout import STAGING
from lab.storage.recovery import INTERRUPTED
from tests.lab.storage import crash_child
from tests.lab.storage.factories import StorageWorld, marker_needles, plaintext_hits

SPAWN = multiprocessing.get_context("spawn")


def _run_child(target: Callable[..., None], *args: Any) -> multiprocessing.process.BaseProcess:
    child = SPAWN.Process(target=target, args=args, daemon=True)
    child.start()
    return child


def _rows(world: StorageWorld) -> list[DatasetVersion]:
    with world.sessions() as session:
        return list(session.scalars(sa.select(DatasetVersion)))


def _key(world: StorageWorld, name: str) -> StoredKey:
    with world.sessions() as session:
        key = session.get(StoredKey, name)
        assert key is not None
        return key


def _data_files(world: StorageWorld) -> list[Path]:
    return [p for p in (world.home / "storage").rglob("*") if p.is_file()]


def test_a_writer_killed_mid_write_leaves_no_version_and_no_plaintext(world: StorageWorld) -> None:
    flag = world.root / "flag"
    child = _run_child(
        crash_child.write_and_signal, str(world.root), world.url, world.master, str(flag), 30_000
    )
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert child.is_alive() and time.monotonic() < deadline, "the child never got going"
        time.sleep(0.02)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    assert child.exitcode == -signal.SIGKILL

    (row,) = _rows(world)
    assert row.state == "writing"
    staged = world.home / "storage/sandbox/acme" / STAGING / row.id
    assert len(list(staged.iterdir())) >= 2, "killed with files on disk"
    assert plaintext_hits(world.root, marker_needles()) == []
    with world.sessions() as session, pytest.raises(NotFound):
        world.store.read_table(session, row.id)

    (recovered,) = world.store.recover_orphans(world.sessions)
    assert (recovered.version_id, recovered.reason, recovered.key_name) == (
        row.id,
        INTERRUPTED,
        row.key_name,
    )
    assert recovered.removed == (staged.relative_to(world.home).as_posix(),)
    assert recovered.bytes_removed > 0
    (row,) = _rows(world)
    assert row.state == "destroyed" and row.destroyed_at is not None
    assert _key(world, row.key_name).wrapped == b""
    assert _data_files(world) == []
    assert plaintext_hits(world.root, marker_needles()) == []
    assert world.store.recover_orphans(world.sessions) == []


def test_a_writer_killed_after_the_rename_is_cleaned_too(world: StorageWorld) -> None:
    child = _run_child(
        crash_child.write_and_die_at, str(world.root), world.url, world.master, "renamed", 3_000
    )
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    (row,) = _rows(world)
    assert row.state == "writing" and (world.home / row.storage_path).is_dir()

    (recovered,) = world.store.recover_orphans(world.sessions)
    assert recovered.removed == (row.storage_path,)
    assert _data_files(world) == [] and _rows(world)[0].state == "destroyed"
    assert plaintext_hits(world.root, marker_needles()) == []


def test_a_live_writer_is_left_alone_unless_stale(world: StorageWorld) -> None:
    seen: list[object] = []

    def recover_while_writing(step: str) -> None:
        if step == "files-written":
            seen.append(world.store.recover_orphans(world.sessions))
            seen.append(world.store.recover_orphans(world.sessions, stale_after=timedelta(0)))

    hooks.on_step = recover_while_writing
    try:
        with pytest.raises((OSError, Conflict), match=r"No such file|abandoned"):
            world.write(3_000)
    finally:
        hooks.on_step = None
    assert seen[0] == [] and len(seen[1]) == 1  # type: ignore[arg-type]
    (row,) = _rows(world)
    assert row.state == "destroyed" and _data_files(world) == []


def test_a_stale_writer_cannot_commit(world: StorageWorld) -> None:
    def recover_after_rename(step: str) -> None:
        if step == "renamed":
            world.store.recover_orphans(world.sessions, stale_after=timedelta(0))

    hooks.on_step = recover_after_rename
    try:
        with pytest.raises(Conflict, match="abandoned"):
            world.write(3_000)
    finally:
        hooks.on_step = None
    assert [r.state for r in _rows(world)] == ["destroyed"] and _data_files(world) == []


@pytest.mark.parametrize(
    ("step", "request_first"), [("files-removed", True), ("key-destroyed", False)]
)
def test_a_destruction_killed_midway_is_completed_once(
    world: StorageWorld, step: str, request_first: bool
) -> None:
    info = world.write(15_000, marker=True)
    assert len(info.files) > 1
    child = _run_child(
        crash_child.destroy_and_die_at,
        str(world.root),
        world.url,
        world.master,
        info.id,
        step,
        request_first,
    )
    child.join(60)
    assert child.exitcode == -signal.SIGKILL

    (row,) = _rows(world)
    assert row.state == ("destroying" if request_first else "ready")
    assert not (world.home / info.storage_path).exists(), "the child moved the files out"
    assert _key(world, info.key_name).destroyed_at is None  # its transaction never committed
    with world.sessions() as session, pytest.raises(NotFound):
        world.store.read_table(session, info.id)

    receipts = []
    for _ in range(2):  # the scheduler's next runs
        with world.sessions.begin() as session:
            result = world.store.destroy_version(session, info.id, reason="retention expired")
            if result is not None:
                receipts.append(result)  # the receipt commits with the state change
    (receipt,) = receipts
    assert receipt.reason == "retention expired" and receipt.bytes_removed == info.byte_size
    assert [f.sha256 for f in receipt.files] == [f["sha256"] for f in info.files]
    assert _rows(world)[0].state == "destroyed"
    world.store.empty_trash()
    assert _data_files(world) == []
    assert _key(world, info.key_name).wrapped == b""
    assert plaintext_hits(world.root, marker_needles()) == []


def test_an_emptying_of_the_trash_killed_midway_is_finished_by_the_next(
    world: StorageWorld,
) -> None:
    info = world.write(15_000, marker=True)
    child = _run_child(
        crash_child.destroy_and_die_at,
        str(world.root),
        world.url,
        world.master,
        info.id,
        "file-removed",
        True,
    )
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    assert _rows(world)[0].state == "destroyed"  # committed before the emptying began
    left = _data_files(world)
    assert 0 < len(left) < len(info.files)
    assert world.store.empty_trash() > 0
    assert _data_files(world) == []
