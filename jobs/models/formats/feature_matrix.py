"""Feature columns of an Arrow batch as numpy, type-checked by name, nulls as NaN."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from jobs.models.formats.errors import ScoringInputInvalid


def column(batch: pa.RecordBatch, name: str) -> pa.Array:
    """The batch's column `name`; ScoringInputInvalid naming it when absent or ambiguous."""
    found = batch.schema.get_all_field_indices(name)
    if not found:
        raise ScoringInputInvalid(f"feature {name!r} is missing from the data to score")
    if len(found) > 1:
        raise ScoringInputInvalid(f"feature {name!r} appears {len(found)} times in the data")
    return batch.column(found[0])


def is_numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
    )


def numeric(batch: pa.RecordBatch, name: str, dtype: type[np.floating]) -> npt.NDArray[np.floating]:
    """Feature `name` as a numpy vector of `dtype`: numbers and booleans are taken, nulls
    become NaN; a text, date or nested column is refused, naming the feature."""
    values = column(batch, name)
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if not is_numeric(values.type):
        raise ScoringInputInvalid(
            f"feature {name!r} must be numeric, but the data has it as {values.type}"
        )
    target = pa.float32() if dtype is np.float32 else pa.float64()
    floats = pc.cast(values, target, safe=False)
    if floats.null_count:
        floats = pc.fill_null(floats, np.nan)
    out: npt.NDArray[np.floating] = floats.to_numpy(zero_copy_only=False)
    return out


def matrix(
    batch: pa.RecordBatch, names: Sequence[str], dtype: type[np.floating]
) -> npt.NDArray[np.floating]:
    """The features `names`, in that order, as a C-ordered (rows, features) matrix."""
    out = np.empty((batch.num_rows, len(names)), dtype=dtype)
    for j, name in enumerate(names):
        values = column(batch, name)
        if pa.types.is_floating(values.type) and values.null_count == 0:
            out[:, j] = values.to_numpy()  # zero-copy view, converted as it is written
        else:
            out[:, j] = numeric(batch, name, dtype)
    return out


def categories(batch: pa.RecordBatch, name: str) -> pa.Array:
    """Feature `name` as strings (text, or integer codes written in decimal), nulls kept."""
    values = column(batch, name)
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pc.cast(values, pa.string())
    if pa.types.is_integer(kind) or pa.types.is_null(kind):
        return pc.cast(values, pa.string())
    raise ScoringInputInvalid(
        f"feature {name!r} is categorical: it must be text or integer codes, but the data has "
        f"it as {kind}"
    )
