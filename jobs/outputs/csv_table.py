"""A CSV output read as a table in blocks, stopping as soon as it passes the bounds (a CSV
declares nothing about itself: the reading is the check)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from jobs.outputs.bounds import OutputBounds


def read_csv_bounded(path: Path, bounds: OutputBounds) -> pa.Table:
    reader = pacsv.open_csv(path)
    batches: list[pa.RecordBatch] = []
    rows = size = 0
    for batch in reader:
        rows += batch.num_rows
        size += batch.nbytes
        bounds.refuse_rows(path.name, rows)
        bounds.refuse_bytes(path.name, size)
        batches.append(batch)
    return pa.Table.from_batches(batches, schema=reader.schema)
