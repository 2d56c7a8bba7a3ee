"""Arrow record batches of whatever a model run is handed: a table, a reader, a DuckDB
relation (read through its Arrow stream, `batch_rows` rows at a time, never whole) or any
iterable of batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa


def record_batches(data: Any, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The batches of `data`; TypeError, at once, for anything else."""
    if batch_rows < 1:
        raise ValueError("batch_rows must be positive")
    if isinstance(data, pa.Table):
        return iter(data.to_batches(max_chunksize=batch_rows))
    if isinstance(data, pa.RecordBatch):
        return iter([data])
    if hasattr(data, "to_arrow_reader") and not isinstance(data, pa.RecordBatchReader):
        return iter(data.to_arrow_reader(batch_rows))
    if isinstance(data, Iterable):
        return iter(data)
    raise TypeError("the data must be Arrow batches, a table, a reader or a DuckDB relation")
