"""How a monitored column is read from an Arrow batch: numbers as floats with missing
values (null, NaN) apart, anything else as text."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

F64 = npt.NDArray[np.float64]


class MonitoringInputError(ValueError):
    """The data cannot be monitored as asked; the message names the column, never a value."""


def is_numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )


def column_of(batch: pa.RecordBatch | pa.Table, name: str) -> pa.Array | pa.ChunkedArray:
    found = batch.schema.get_all_field_indices(name)
    if len(found) != 1:
        what = "is missing from" if not found else "appears more than once in"
        raise MonitoringInputError(f"the column {name!r} {what} the data")
    return batch.column(found[0])


def numbers(column: pa.Array | pa.ChunkedArray) -> tuple[F64, int]:
    """The present values as floats and the number of missing ones (null or NaN)."""
    values = pc.cast(column, pa.float64())
    present = pc.drop_null(pc.if_else(pc.is_nan(values), None, values))
    out: F64 = np.asarray(present.to_numpy(zero_copy_only=False), dtype=np.float64)
    return out, len(column) - len(out)


def texts(column: pa.Array | pa.ChunkedArray) -> tuple[dict[str, int], int]:
    """The count of each present value compared as text, and the number of missing ones."""
    values = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
    present = pc.drop_null(values)
    counts = pc.value_counts(present)
    tally = {
        str(v): int(n)
        for v, n in zip(
            counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
        )
    }
    return tally, len(column) - len(present)
