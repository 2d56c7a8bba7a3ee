"""No plaintext at rest: a planted marker is nowhere on disk, in any file of the lab."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lab.storage import hooks
from tests.lab.storage.factories import (
    MARKER,
    StorageWorld,
    marker_needles,
    merchant_batches,
    plaintext_hits,
)


def test_the_search_finds_the_marker_in_plain_parquet(tmp_path: Path) -> None:
    table = pa.Table.from_batches(list(merchant_batches(1_000, marker=True)))
    pq.write_table(table, tmp_path / "plain.parquet")
    assert len(plaintext_hits(tmp_path, marker_needles())) >= 2


def test_no_file_under_the_lab_holds_the_marker(world: StorageWorld) -> None:
    during: list[list[str]] = []

    def scan_staging(step: str) -> None:
        if step == "files-written":  # still in the staging folder, not yet renamed
            during.append(plaintext_hits(world.root, marker_needles()))

    hooks.on_step = scan_staging
    try:
        info = world.write(20_000, marker=True)
    finally:
        hooks.on_step = None
    assert during == [[]]
    with world.sessions() as session:
        table = world.store.read_table(session, info.id)
    assert MARKER in table["note"].to_pylist()  # it is in the data, just never in clear
    files = [p for p in world.root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    assert plaintext_hits(world.root, marker_needles()) == []
