"""Streamed writing of encrypted Parquet: record batches in, durable encrypted files out.

Memory stays flat in the row count: batches are buffered only up to one row group
(`WriteLimits.row_group_rows` / `row_group_bytes`), written, and dropped; a file is closed
and a new one started once it passes `file_bytes`. Each finished file is fsynced and
hashed (sha256 of the encrypted bytes, as stored).

Columns are compressed with Snappy, except those that do not compress: keyed pseudonyms and
other random-looking values, judged on the file's first row group (`column_choices`).
Compressing them cost about half of the writing time and saved almost nothing. Those that
also hardly repeat (pseudonyms, hashes) get no dictionary and no min/max statistics, which
cost time and serve nothing there; a low-cardinality column keeps its dictionary whatever its
bytes look like, since scans of it depend on that.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lab.errors import InvalidInput
from lab.storage import hooks
from lab.storage.kms import encryption_properties
from lab.storage.layout import fsync_dir, fsync_file

FILE_MODE = 0o600


@dataclass(frozen=True)
class WriteLimits:
    # Row groups of 64k rows / 16 MiB: what the writer buffers stays small and the same
    # whatever the dataset's size (scans lose nothing measurable at this size).
    row_group_rows: int = 64 * 1024
    row_group_bytes: int = 16 * 1024 * 1024
    file_bytes: int = 256 * 1024 * 1024


@dataclass(frozen=True)
class WrittenFile:
    name: str
    sha256: str
    bytes: int
    rows: int

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "bytes": self.bytes, "rows": self.rows}


CODEC = "snappy"
INCOMPRESSIBLE = 0.85  # compressed / raw size, on a sample, above which a column is stored raw
DISTINCT = 0.5  # distinct / rows, on a sample, above which a column's values do not repeat
SAMPLE_ROWS = 16 * 1024


@dataclass(frozen=True)
class ColumnChoices:
    """How the writer stores each column, judged on a sample of the first row group."""

    codecs: dict[str, str]  # CODEC, or "none" where the bytes barely compress
    random: list[str]  # barely compress and hardly repeat: keyed pseudonyms, hashes

    def writer_options(self) -> dict[str, Any]:
        """No dictionary (nothing repeats) and no min/max (no use) for random columns."""
        structured = [name for name in self.codecs if name not in self.random]
        return {
            "compression": self.codecs,
            "use_dictionary": structured,
            "write_statistics": structured,
        }


def column_choices(table: pa.Table) -> ColumnChoices:
    codecs: dict[str, str] = {}
    random: list[str] = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        sample = column.slice(0, SAMPLE_ROWS).combine_chunks()
        buffers = [b for b in sample.buffers() if b is not None and b.size]
        raw = sum(b.size for b in buffers)
        packed = sum(pa.compress(b, CODEC).size for b in buffers)
        codecs[name] = "none" if raw and packed > INCOMPRESSIBLE * raw else CODEC
        if codecs[name] == "none" and len(sample):
            distinct = pc.count_distinct(sample).as_py()
            if distinct > DISTINCT * len(sample):
                random.append(name)
    return ColumnChoices(codecs, random)


class _HashingSink(io.RawIOBase):
    """A file that hashes (sha256) what is written to it, as it is written: the Parquet
    writer only appends, so the digest is the stored file's without reading it again."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._file = path.open("r+b")  # created 0600 by the caller
        self._hash = hashlib.sha256()
        self._size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        written = self._file.write(view)
        self._hash.update(view[:written])
        self._size += written
        return written

    def tell(self) -> int:
        return self._size

    def flush(self) -> None:
        if not self._file.closed:
            self._file.flush()

    def close(self) -> None:
        if not self.closed:
            self._file.close()  # flushes
        super().close()

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class _Files:
    """The current output file, rolled over when it passes the size limit."""

    def __init__(self, folder: Path, schema: pa.Schema, key_name: str, key: bytes) -> None:
        self.folder, self.schema = folder, schema
        self.key_name, self.key = key_name, key
        self.done: list[WrittenFile] = []
        self._sink: Any = None
        self._writer: pq.ParquetWriter | None = None
        self._rows = 0

    def _path(self) -> Path:
        return self.folder / f"part-{len(self.done):05d}.parquet"

    def _open(self, first: pa.Table | None = None) -> pq.ParquetWriter:
        if self._writer is None:
            path = self._path()
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
            self._sink = _HashingSink(path)
            props = encryption_properties(self.key_name, self.key)
            options: dict[str, Any] = {"compression": CODEC}
            if first is not None and first.num_rows:
                options = column_choices(first).writer_options()
            self._writer = pq.ParquetWriter(
                self._sink, self.schema, encryption_properties=props, **options
            )
            self._rows = 0
        return self._writer

    def ensure_one(self) -> None:
        """Open a file if none was written, so even an empty dataset has its schema."""
        if not self.done:
            self._open()

    def write(self, table: pa.Table, limits: WriteLimits) -> None:
        self._open(table).write_table(table, row_group_size=limits.row_group_rows)
        self._rows += table.num_rows
        if self._sink.tell() >= limits.file_bytes:
            self.close()

    def close(self) -> None:
        if self._writer is None:
            return
        path = self._path()
        self._writer.close()
        self._sink.close()
        digest = self._sink.hexdigest()
        self._writer, self._sink = None, None
        fsync_file(path)
        self.done.append(WrittenFile(path.name, digest, path.stat().st_size, self._rows))
        hooks.reached("file-written")

    def abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            finally:
                self._sink.close()
                self._writer, self._sink = None, None


def write_encrypted(
    folder: Path,
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    *,
    key_name: str,
    key: bytes,
    limits: WriteLimits | None = None,
) -> list[WrittenFile]:
    """Write `batches` as encrypted Parquet files into the existing `folder`.

    Every batch must have `schema`. At least one file is written (an empty dataset is a
    file with the schema and no rows). Files and the folder are fsynced before returning.
    """
    limits = limits or WriteLimits()
    files = _Files(folder, schema, key_name, key)
    buffer: list[pa.RecordBatch] = []
    rows = size = 0
    try:
        for batch in batches:
            _check_batch(batch, schema)
            if batch.num_rows == 0:
                continue
            buffer.append(batch)
            rows += batch.num_rows
            size += batch.nbytes
            if rows >= limits.row_group_rows or size >= limits.row_group_bytes:
                files.write(pa.Table.from_batches(buffer, schema), limits)
                buffer, rows, size = [], 0, 0
        if buffer:
            files.write(pa.Table.from_batches(buffer, schema), limits)
        files.ensure_one()
        files.close()
    except BaseException:
        files.abort()
        raise
    fsync_dir(folder)
    return files.done


def _check_batch(batch: object, schema: pa.Schema) -> None:
    if not isinstance(batch, pa.RecordBatch):
        raise InvalidInput(f"expected pyarrow.RecordBatch items, got {type(batch).__name__}")
    if not batch.schema.equals(schema, check_metadata=False):
        raise InvalidInput(
            "a record batch does not match the declared schema",
            expected=str(schema),
            got=str(batch.schema),
        )
