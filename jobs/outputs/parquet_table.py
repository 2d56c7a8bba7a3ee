"""A Parquet output, judged by its footer before a page of it is read.

A Parquet file describes itself: a 0.5 MB file can declare 120 million rows of a constant
(dictionary and run-length encoding make that cheap to write) and a reader that trusts it
allocates gigabytes. So the footer's length is checked first, then what it declares: rows
(overall and per row group, which must agree), the values of every column chunk (a list
column multiplies them), the decoded size those values take (the larger of the declared
uncompressed size and values × the physical type's width), and how deeply columns nest.
A file that declares more than the bounds is refused without loading it.

What the footer declares can be a lie. So reading goes batch by batch against the same
bounds; top-level string and binary columns are read as dictionaries and their decoded size
(the lengths of the values they point at) is counted before they are decoded, so a single
long value repeated on every row cannot expand behind the reader's back.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jobs.errors import LimitExceeded
from jobs.outputs.bounds import OutputBounds

MAX_FOOTER_BYTES = 16 * 1024 * 1024
BATCH_ROWS = 65_536
_WIDTH = {"BOOLEAN": 1, "INT32": 4, "INT64": 8, "INT96": 12, "FLOAT": 4, "DOUBLE": 8}
_OFFSET_WIDTH = 4  # a string or binary value's offset, at least


def inspect_parquet(path: Path, bounds: OutputBounds, **options: Any) -> pq.FileMetaData:
    """The file's metadata once its footer shows it is within `bounds`; else LimitExceeded.

    `options` go to `pq.ParquetFile` (decryption properties, for instance)."""
    what = path.name
    _check_footer_length(path)
    metadata = pq.ParquetFile(path, **options).metadata
    bounds.refuse_rows(what, metadata.num_rows, declared=True)
    groups = sum(metadata.row_group(i).num_rows for i in range(metadata.num_row_groups))
    if groups != metadata.num_rows:
        raise LimitExceeded(f"{what}: its row groups do not add up to the rows it declares")
    depth = max((_depth(field.type) for field in metadata.schema.to_arrow_schema()), default=0)
    if depth > bounds.max_depth:
        raise LimitExceeded(f"{what} nests columns more than {bounds.max_depth} levels deep")
    bounds.refuse_bytes(what, declared_bytes(metadata), declared=True)
    return metadata


def declared_bytes(metadata: pq.FileMetaData) -> int:
    """What the footer says the decoded columns take, at least."""
    total = 0
    for g in range(metadata.num_row_groups):
        group = metadata.row_group(g)
        for c in range(group.num_columns):
            chunk = group.column(c)
            width = _WIDTH.get(chunk.physical_type, _OFFSET_WIDTH)
            if chunk.physical_type == "FIXED_LEN_BYTE_ARRAY":
                width = max(1, metadata.schema.column(c).length or 1)
            total += max(chunk.total_uncompressed_size, chunk.num_values * width)
    return total


def read_parquet_bounded(path: Path, bounds: OutputBounds, **options: Any) -> pa.Table:
    """The whole table, once `inspect_parquet` passed and batch by batch within `bounds`."""
    inspect_parquet(path, bounds, **options)
    plain = pq.ParquetFile(path, **options).schema_arrow
    text = [f.name for f in plain if _is_text(f.type)]
    parquet = pq.ParquetFile(path, read_dictionary=text, **options)
    batches: list[pa.RecordBatch] = []
    rows = size = 0
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
        rows += batch.num_rows
        size += decoded_bytes(batch)
        bounds.refuse_rows(path.name, rows)
        bounds.refuse_bytes(path.name, size)
        batches.append(_decode(batch, plain))
    return pa.Table.from_batches(batches, schema=plain)


def decoded_bytes(batch: pa.RecordBatch) -> int:
    """The batch's size once its dictionary columns are decoded, computed without decoding."""
    total = 0
    for column in batch.columns:
        if isinstance(column, pa.DictionaryArray) and _is_text(column.dictionary.type):
            lengths = pc.binary_length(column.dictionary)
            taken = pc.take(lengths, column.indices)
            total += int(pc.sum(taken).as_py() or 0) + _OFFSET_WIDTH * len(column)
        else:
            total += column.nbytes
    return total


def _decode(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    columns = [
        column.cast(schema.field(i).type) if isinstance(column, pa.DictionaryArray) else column
        for i, column in enumerate(batch.columns)
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _check_footer_length(path: Path) -> None:
    """A footer too large to be read is refused; a file that is no Parquet file at all is
    left to the reader (which says so)."""
    size = path.stat().st_size
    if size < 12:
        return
    with path.open("rb") as handle:
        handle.seek(size - 8)
        tail = handle.read(8)
    (length,) = struct.unpack("<I", tail[:4])
    if tail[4:] in (b"PAR1", b"PARE") and size - 12 >= length > MAX_FOOTER_BYTES:
        raise LimitExceeded(f"{path.name} declares a footer of more than {MAX_FOOTER_BYTES} bytes")


def _is_text(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
    )


def _depth(kind: pa.DataType) -> int:
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return 1 + _depth(kind.value_type)
    if pa.types.is_map(kind):
        return 1 + max(_depth(kind.key_type), _depth(kind.item_type))
    if pa.types.is_struct(kind):
        return 1 + max((_depth(kind.field(i).type) for i in range(kind.num_fields)), default=0)
    return 0
