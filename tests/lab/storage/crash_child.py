"""Code run in child processes that the crash tests SIGKILL (started with multiprocessing spawn)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from lab.storage import hooks, request_destruction
from tests.lab.storage.factories import SCHEMA, SMALL_FILES, make_world, merchant_batches


def _die_at(step: str) -> None:
    def on_step(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), signal.SIGKILL)

    hooks.on_step = on_step


def write_and_signal(root: str, url: str, master: bytes, flag: str, rows: int) -> None:
    """Write `rows` rows (with the marker), tell the parent, then keep writing slowly."""
    world = make_world(Path(root), url, master=master, limits=SMALL_FILES)

    def batches() -> Iterator[pa.RecordBatch]:
        yield from merchant_batches(rows, marker=True)
        Path(flag).write_text("mid-write", encoding="ascii")
        for batch in merchant_batches(rows, start=rows):  # still writing when the kill lands
            time.sleep(0.01)
            yield batch
        time.sleep(60)

    world.store.write_version(
        world.sessions, tenant="acme", zone="sandbox", name="big", batches=batches(), schema=SCHEMA
    )


def write_and_die_at(root: str, url: str, master: bytes, step: str, rows: int) -> None:
    world = make_world(Path(root), url, master=master, limits=SMALL_FILES)
    _die_at(step)
    world.write(rows, name="big", marker=True)


def destroy_and_die_at(
    root: str, url: str, master: bytes, version_id: str, step: str, request_first: bool
) -> None:
    world = make_world(Path(root), url, master=master, limits=SMALL_FILES)
    if request_first:
        with world.sessions.begin() as session:
            request_destruction(session, version_id, reason="retention expired")
    _die_at(step)
    with world.sessions.begin() as session:
        world.store.destroy_version(session, version_id, reason="retention expired")
    world.store.empty_trash()
