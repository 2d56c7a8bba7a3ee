"""Parquet files, streamed row group by row group with pyarrow's `iter_batches`."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from connectors.errors import SourceError, SpecError
from connectors.sources.base import (
    DEFAULT_BATCH_ROWS,
    FileFacts,
    check_batch_rows,
    check_columns,
    file_path,
    rebatch,
)


class ParquetSource:
    """A Parquet file; `columns` reads only those columns."""

    kind = "parquet"

    def __init__(
        self, *, path: str | os.PathLike[str], columns: Sequence[str] | None = None
    ) -> None:
        if columns is not None and (
            isinstance(columns, str) or not all(isinstance(c, str) for c in columns)
        ):
            raise SpecError("columns must be a list of column names")
        self._facts = FileFacts(file_path(path))
        self._columns = list(columns) if columns is not None else None
        self._schema: pa.Schema | None = None
        self._row_groups: int | None = None

    def _open(self) -> tuple[Any, Any]:
        """The tracked file (for identity checks) and a ParquetFile reading through it."""
        tracked = self._facts.open()
        try:
            parquet = pq.ParquetFile(tracked.path, memory_map=False)
        except (pa.ArrowInvalid, OSError):
            tracked.close()
            tracked.check_unchanged()
            raise SourceError(
                f"{tracked.path.name!r} is not a readable Parquet file (damaged, truncated, "
                "encrypted or another format)"
            ) from None
        return tracked, parquet

    def schema(self) -> pa.Schema:
        if self._schema is None:
            tracked, parquet = self._open()
            with tracked:
                schema = parquet.schema_arrow
                self._facts.rows = parquet.metadata.num_rows
                self._row_groups = parquet.metadata.num_row_groups
                parquet.close()
            if self._columns is not None:
                missing = [c for c in self._columns if c not in schema.names]
                if missing:
                    raise SpecError(f"columns not in {tracked.path.name!r}: {missing}")
                schema = pa.schema([schema.field(c) for c in self._columns])
            self._schema = schema
        return self._schema

    def batches(
        self, batch_rows: int = DEFAULT_BATCH_ROWS, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        check_batch_rows(batch_rows)
        schema = check_columns(self.schema(), columns)
        return rebatch(self._pass(schema, batch_rows), batch_rows)

    def _pass(self, schema: pa.Schema, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """The columns of `schema` (only those are read and decoded)."""
        tracked, parquet = self._open()
        rows = 0
        try:
            for batch in parquet.iter_batches(batch_size=batch_rows, columns=schema.names):
                rows += batch.num_rows
                yield batch.cast(schema) if batch.schema != schema else batch
            tracked.read_all_remaining()
        except (pa.ArrowInvalid, OSError) as exc:
            tracked.check_unchanged()
            raise SourceError(
                f"{tracked.path.name!r} cannot be read after row {rows}: it is damaged "
                f"({type(exc).__name__})"
            ) from None
        finally:
            parquet.close()
            tracked.close()
        self._facts.complete(tracked, rows)

    def describe(self) -> dict[str, Any]:
        schema = self.schema()
        return {
            "kind": self.kind,
            **self._facts.describe(),
            "row_groups": self._row_groups,
            "columns": {f.name: str(f.type) for f in schema},
        }
