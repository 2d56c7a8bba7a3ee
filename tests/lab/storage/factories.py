"""Builders for storage tests: a real metastore, a real lab home, generated merchant data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

import lab.keys.keyring  # registers the keyring table
import lab.storage.models  # noqa: F401  (registers the catalog tables)
from lab.db.base import Base
from lab.db.engine import make_engine
from lab.storage import DatasetStore, VersionInfo, WriteLimits

MARKER = "MARKER-5f3c9a1e-PLAINTEXT"
MAGIC_NUMBER = 7_364_019_285_531_977  # distinctive int64 planted in the data

SCHEMA = pa.schema(
    [
        ("merchant_id", pa.string()),
        ("city", pa.string()),
        ("sales", pa.int64()),
        ("rating", pa.float64()),
        ("note", pa.string()),
    ]
)
LABELS = {"merchant_id": "identifier", "city": "quasi_identifier", "sales": "sensitive"}
SMALL_FILES = WriteLimits(row_group_rows=5_000, row_group_bytes=1 << 20, file_bytes=200_000)


@dataclass
class StorageWorld:
    """A lab home with an empty metastore and a store over it."""

    root: Path  # holds the home and, on SQLite, the metastore file
    home: Path
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    master: bytes
    store: DatasetStore

    def write(
        self,
        rows: int = 10_000,
        *,
        tenant: str = "acme",
        zone: str = "sandbox",
        name: str = "merchants",
        batch_rows: int = 2_000,
        marker: bool = False,
    ) -> VersionInfo:
        return self.store.write_version(
            self.sessions,
            tenant=tenant,
            zone=zone,
            name=name,
            batches=merchant_batches(rows, batch_rows=batch_rows, marker=marker),
            schema=SCHEMA,
            classifications=LABELS,
            lineage={"connector": "synthetic", "rows": rows},
        )

    def close(self) -> None:
        self.engine.dispose()


def make_world(
    root: Path, url: str, *, master: bytes | None = None, limits: WriteLimits | None = None
) -> StorageWorld:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    key = master or os.urandom(32)
    return StorageWorld(
        root=root,
        home=home,
        url=url,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        master=key,
        store=DatasetStore(home, key, limits=limits),
    )


def merchant_batches(
    rows: int, *, batch_rows: int = 2_000, marker: bool = False, start: int = 0
) -> Iterator[pa.RecordBatch]:
    """Rows i in [start, start+rows): sales = i, city cycles over 7, one planted marker row."""
    cities = ["Hangzhou", "Shenzhen", "Chengdu", "Wuhan", "Xi'an", "Suzhou", "Nanjing"]
    for offset in range(start, start + rows, batch_rows):
        ids = range(offset, min(offset + batch_rows, start + rows))
        notes = [f"ok {i}" for i in ids]
        sales = list(ids)
        if marker and offset == start:
            notes[0] = MARKER
            sales[0] = MAGIC_NUMBER
        yield pa.record_batch(
            [
                pa.array([f"M{i:09d}" for i in ids]),
                pa.array([cities[i % 7] for i in ids]),
                pa.array(sales, pa.int64()),
                pa.array([(i % 50) / 10 for i in ids], pa.float64()),
                pa.array(notes),
            ],
            schema=SCHEMA,
        )


def expected_sum(rows: int, *, marker: bool = False) -> int:
    return rows * (rows - 1) // 2 + (MAGIC_NUMBER if marker else 0)


def plaintext_hits(root: Path, needles: list[bytes]) -> list[str]:
    """Files under `root` (every one: metastore, WAL, staging, data) holding any needle."""
    hits = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.relative_to(root)}: {n!r}" for n in needles if n in data]
    return hits


def marker_needles() -> list[bytes]:
    return [
        MARKER.encode("utf-8"),
        MARKER.encode("utf-16-le"),
        str(MAGIC_NUMBER).encode("ascii"),
        MAGIC_NUMBER.to_bytes(8, "little", signed=True),
    ]
