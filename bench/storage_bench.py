"""Benchmark of encrypted storage: DuckDB scans, and destruction time against dataset size.

Run: `.venv/bin/python bench/storage_bench.py [--rows 4000000]`. Uses a temporary lab home
(SQLite metastore) that is removed at the end. Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from sqlalchemy.orm import sessionmaker

import lab.keys.keyring  # registers the keyring table
import lab.storage.models  # noqa: F401  (registers the catalog tables)
from lab.db.base import Base
from lab.db.engine import make_engine
from lab.storage import DatasetStore, scrub_metastore

SCAN_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("merchant_group", pa.int32()),
        ("region", pa.string()),
        ("amount", pa.float64()),
    ]
)
BLOB_SCHEMA = pa.schema([("id", pa.int64()), ("payload", pa.binary(1024))])
QUERY = "SELECT merchant_group, count(*), sum(amount), avg(amount) FROM {} GROUP BY 1"
REGIONS = pa.array([f"region-{i:02d}" for i in range(32)])


def scan_batches(rows: int, batch: int = 256 * 1024) -> Iterator[pa.RecordBatch]:
    for start in range(0, rows, batch):
        n = min(batch, rows - start)
        ids = pa.array(range(start, start + n), pa.int64())
        yield pa.record_batch(
            [
                ids,
                pc.cast(pc.bit_wise_and(ids, 1023), pa.int32()),
                REGIONS.take(pc.bit_wise_and(ids, 31)),
                pc.multiply(pc.cast(ids, pa.float64()), 0.01),
            ],
            schema=SCAN_SCHEMA,
        )


def blob_batches(total_bytes: int, batch: int = 4096) -> Iterator[pa.RecordBatch]:
    """Incompressible rows of 1 KiB (random bytes), `total_bytes` in all."""
    rows = total_bytes // 1024
    for start in range(0, rows, batch):
        n = min(batch, rows - start)
        payload = pa.FixedSizeBinaryArray.from_buffers(
            pa.binary(1024), n, [None, pa.py_buffer(os.urandom(n * 1024))]
        )
        yield pa.record_batch(
            [pa.array(range(start, start + n), pa.int64()), payload], schema=BLOB_SCHEMA
        )


def timed(action: Callable[[], object], repeat: int) -> float:
    action()  # warm the page cache and the code paths
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def bench_scan(store: DatasetStore, sessions: sessionmaker, home: Path, rows: int) -> None:  # type: ignore[type-arg]
    start = time.perf_counter()
    info = store.write_version(
        sessions,
        tenant="bench",
        zone="sandbox",
        name="scan",
        batches=scan_batches(rows),
        schema=SCAN_SCHEMA,
    )
    write_s = time.perf_counter() - start
    plain = home / "plain.parquet"
    start = time.perf_counter()
    with pq.ParquetWriter(plain, SCAN_SCHEMA) as writer:
        for batch in scan_batches(rows):
            writer.write_batch(batch, row_group_size=256 * 1024)
    plain_write_s = time.perf_counter() - start

    conn = duckdb.connect()
    with sessions() as session:
        store.register_duckdb(session, conn, "encrypted", info.id)
    conn.register("plain_arrow", pads.dataset(str(plain)))
    conn.sql(f"CREATE VIEW plain_native AS SELECT * FROM read_parquet('{plain}')")

    def query(view: str) -> Callable[[], object]:
        return lambda: conn.sql(QUERY.format(view)).fetchall()

    def summary(view: str) -> list[tuple[int, int, float]]:
        rows = conn.sql(QUERY.format(view)).fetchall()
        return sorted((g, n, round(total, 2)) for g, n, total, _avg in rows)

    assert summary("encrypted") == summary("plain_native")
    encrypted = timed(query("encrypted"), 7)
    plain_arrow = timed(query("plain_arrow"), 7)
    plain_native = timed(query("plain_native"), 7)
    print(f"\nDuckDB group-by over {rows:,} rows, median of 7 runs")
    print(
        f"  {len(info.files)} encrypted file(s), {info.byte_size or 0:,} bytes; "
        f"plain: {plain.stat().st_size:,} bytes"
    )
    print(f"  write: encrypted {write_s:.2f} s (incl. fsync + sha256), plain {plain_write_s:.2f} s")
    print(f"  encrypted Parquet via pyarrow dataset : {encrypted * 1000:8.1f} ms")
    print(f"  plain Parquet via pyarrow dataset     : {plain_arrow * 1000:8.1f} ms")
    print(f"  plain Parquet, DuckDB's own reader    : {plain_native * 1000:8.1f} ms")
    print(f"  ratio encrypted / plain (same path)   : {encrypted / plain_arrow:8.2f}x")
    print(f"  ratio encrypted / plain (DuckDB own)  : {encrypted / plain_native:8.2f}x")


def evict_from_page_cache(folder: Path) -> None:
    """Drop the files' cached pages (as for data written long ago), this process only."""
    for path in folder.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def bench_destroy(
    store: DatasetStore,
    sessions: sessionmaker,  # type: ignore[type-arg]
    size: int,
    label: str,
    *,
    cold: bool,
) -> None:
    start = time.perf_counter()
    info = store.write_version(
        sessions,
        tenant="bench",
        zone="sandbox",
        name=f"blob-{size}-{cold}",
        batches=blob_batches(size),
        schema=BLOB_SCHEMA,
    )
    write_s = time.perf_counter() - start
    if cold:
        evict_from_page_cache(store.home / info.storage_path)
    start = time.perf_counter()
    with sessions.begin() as session:
        result = store.destroy_version(session, info.id, reason="benchmark")
    destroy_s = time.perf_counter() - start
    start = time.perf_counter()
    scrub_metastore(sessions.kw["bind"])
    scrub_s = time.perf_counter() - start
    start = time.perf_counter()
    store.empty_trash()
    free_s = time.perf_counter() - start
    assert result is not None
    print(
        f"  {label:>6} {'cold' if cold else 'hot ':4}: {result.bytes_removed:>13,} bytes in "
        f"{len(result.files)} file(s); write {write_s:6.2f} s; destroy (key shredded, files "
        f"out, receipt-ready) {destroy_s * 1000:6.1f} ms (+ WAL scrub {scrub_s * 1000:.1f} ms); "
        f"then freeing the blocks {free_s * 1000:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--big-mb", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lab-storage-bench-") as folder:
        home = Path(folder) / "home"
        home.mkdir()
        engine = make_engine(f"sqlite:///{folder}/metastore.db")
        Base.metadata.create_all(engine)
        sessions = sessionmaker(engine, expire_on_commit=False)
        store = DatasetStore(home, os.urandom(32))
        bench_scan(store, sessions, home, args.rows)
        print(
            "\nDestruction (files moved out + one key shredded, then blocks freed), incompressible:"
        )
        print("  (hot: files just written, still in the page cache; cold: evicted first)")
        for cold in (False, True):
            bench_destroy(store, sessions, 10 << 20, "10 MB", cold=cold)
            bench_destroy(store, sessions, args.big_mb << 20, f"{args.big_mb} MB", cold=cold)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak resident memory of the whole run: {peak_mb:,.0f} MB")
        engine.dispose()


if __name__ == "__main__":
    main()
