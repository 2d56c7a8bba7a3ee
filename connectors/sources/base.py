"""The contract every source keeps, and the helpers the file sources share.

A source streams a table as Arrow record batches. `batches()` may be called more than once:
each call reads again from the start (the import pipeline makes two passes), and a file
that changed between or during passes is an error, never a silently different result.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from connectors.errors import SourceError, SpecError

DEFAULT_BATCH_ROWS = 65_536
_HASH_CHUNK = 8 << 20


@runtime_checkable
class Source(Protocol):
    """A table read from outside the lab, streamed as Arrow record batches."""

    kind: str

    def schema(self) -> pa.Schema:
        """The Arrow schema of every batch (may read the head of the source)."""
        ...

    def batches(
        self, batch_rows: int = DEFAULT_BATCH_ROWS, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        """The rows from the start, in batches of `batch_rows` rows (the last may be shorter);
        only `columns`, in that order, when given (a source may then read less)."""
        ...

    def describe(self) -> dict[str, Any]:
        """Lineage facts: kind, file, size, sha256, encoding, rows when known. Never
        credentials, never data values."""
        ...


def check_column_names(names: Sequence[str]) -> None:
    """Refuse a column name holding a control character or NUL (or an empty name).

    Such a name cannot be shown, logged or typed back safely, so the error names the
    column by its 1-based position and says what is wrong, never echoing the raw bytes.
    Names with path characters (`/`, `\\`, `..`) are data: nothing in the lab builds a
    path from a column name, so they are kept as given."""
    for position, name in enumerate(names, start=1):
        if not name.strip():
            raise SourceError(f"column {position} has an empty name; give every column a name")
        bad = sorted({_describe_control(ch) for ch in name if _is_control(ch)})
        if bad:
            raise SourceError(
                f"column {position}'s name holds control characters ({', '.join(bad)}); "
                "rename the column"
            )


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch != "\u200d"


def _describe_control(ch: str) -> str:
    return "NUL" if ch == "\x00" else f"U+{ord(ch):04X}"


def check_columns(schema: pa.Schema, columns: Sequence[str] | None) -> pa.Schema:
    """The schema of `columns` (all of `schema` when None); SpecError for unknown names."""
    if columns is None:
        return schema
    unknown = [c for c in columns if c not in schema.names]
    if unknown:
        raise SpecError(f"columns the source does not have: {unknown}")
    return pa.schema([schema.field(c) for c in columns])


def select(
    batches: Iterable[pa.RecordBatch], columns: Sequence[str] | None
) -> Iterator[pa.RecordBatch]:
    """`batches` with only `columns` (for sources that read every column anyway)."""
    for batch in batches:
        yield batch if columns is None else batch.select(list(columns))


def check_batch_rows(batch_rows: int) -> int:
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise SpecError(f"batch_rows must be a positive integer, not {batch_rows!r}")
    return batch_rows


def _concat(pieces: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(pieces) == 1:
        return pieces[0]
    if hasattr(pa, "concat_batches"):  # pyarrow >= 19
        return pa.concat_batches(pieces)
    return pa.Table.from_batches(pieces).combine_chunks().to_batches()[0]


def rebatch(batches: Iterable[pa.RecordBatch], batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The same rows in batches of exactly `batch_rows` rows, the last one possibly shorter."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        while batch.num_rows:
            take = min(batch_rows - held, batch.num_rows)
            pending.append(batch.slice(0, take))
            held += take
            batch = batch.slice(take)
            if held == batch_rows:
                yield _concat(pending)
                pending, held = [], 0
    if held:
        yield _concat(pending)


def file_path(path: str | os.PathLike[str]) -> Path:
    if not isinstance(path, str | os.PathLike) or not str(path):
        raise SpecError("a file source needs a 'path'")
    return Path(path)


def _fingerprint(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class TrackedFile(io.RawIOBase):
    """A file read once from start to end, hashing what it reads, that knows whether the
    file on disk was truncated, replaced, removed or modified while it was read."""

    def __init__(self, path: Path, expected: tuple[int, int, int, int] | None = None) -> None:
        super().__init__()
        self.path = path
        try:
            self._file = path.open("rb")
        except FileNotFoundError:
            raise SourceError(f"file {path.name!r} not found") from None
        except OSError as exc:
            raise SourceError(f"cannot open {path.name!r}: {exc.strerror}") from None
        st = os.fstat(self._file.fileno())
        self.fingerprint = _fingerprint(st)
        self.size = st.st_size
        if expected is not None and expected != self.fingerprint:
            self._file.close()
            raise SourceError(
                f"{path.name!r} changed since it was first read; import it again from a "
                "copy that does not change"
            )
        self.bytes_read = 0
        self._hash = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._file.readinto(buffer)
        if n:
            self._hash.update(memoryview(buffer)[:n])
            self.bytes_read += n
        return n or 0

    def read_all_remaining(self) -> None:
        """Read to the end (so the hash covers the whole file)."""
        buffer = bytearray(_HASH_CHUNK)
        while self.readinto(buffer):
            pass

    def close(self) -> None:
        self._file.close()
        super().close()

    def check_unchanged(self) -> None:
        """Raise if the file on disk is no longer the one this reader opened."""
        try:
            now = _fingerprint(self.path.stat())
        except FileNotFoundError:
            raise SourceError(f"{self.path.name!r} was removed while it was being read") from None
        if now != self.fingerprint or self.bytes_read > self.size:
            raise SourceError(
                f"{self.path.name!r} was modified or replaced while it was being read; import "
                "it again from a copy that does not change"
            )

    def finish(self) -> str:
        """After the last read: check that the whole file was read, unchanged; its sha256."""
        self.check_unchanged()
        if self.bytes_read != self.size:
            raise SourceError(
                f"{self.path.name!r} was truncated while it was being read: read "
                f"{self.bytes_read} of {self.size} bytes"
            )
        return self._hash.hexdigest()


class FileFacts:
    """What a file source knows of its file across passes: identity, size, sha256, rows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fingerprint: tuple[int, int, int, int] | None = None
        self.sha256: str | None = None
        self.rows: int | None = None

    def open(self) -> TrackedFile:
        """Open for one pass; a file that changed since the first pass is refused."""
        tracked = TrackedFile(self.path, self.fingerprint)
        if tracked.size == 0:
            tracked.close()
            raise SourceError(f"{self.path.name!r} is empty")
        self.fingerprint = tracked.fingerprint
        return tracked

    def complete(self, tracked: TrackedFile, rows: int | None) -> None:
        """Record a full pass (hash and row count), refusing a file whose content moved."""
        digest = tracked.finish()
        if self.sha256 is not None and digest != self.sha256:
            raise SourceError(f"{self.path.name!r} changed since it was first read")
        self.sha256 = digest
        if rows is not None:
            self.rows = rows

    def ensure_hashed(self) -> None:
        if self.sha256 is None:
            with self.open() as tracked:
                tracked.read_all_remaining()
                self.complete(tracked, None)

    def describe(self) -> dict[str, Any]:
        self.ensure_hashed()
        assert self.fingerprint is not None
        return {
            "file": self.path.name,
            "size": self.fingerprint[2],
            "sha256": self.sha256,
            "rows": self.rows,
        }
