"""The training records as the checks need them: numeric matrices and text columns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc


def is_text(column: pa.ChunkedArray) -> bool:
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def numeric(column: pa.ChunkedArray) -> npt.NDArray[np.float64]:
    """A number or boolean column as floats, nulls as NaN."""
    values = column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(values, dtype=np.float64)


def matrix(table: pa.Table, names: Sequence[str]) -> npt.NDArray[np.float64]:
    """The named numeric columns side by side (rows x features), nulls as NaN."""
    if not names:
        return np.zeros((table.num_rows, 0))
    return np.column_stack([numeric(table.column(name)) for name in names])


def value_counts(column: pa.ChunkedArray) -> Counter[str]:
    """Records per distinct non-null value, values written as text (integers without a
    decimal point, so an integer level matches an integer column)."""
    if pa.types.is_floating(column.type):
        floats = pc.drop_null(column).to_numpy(zero_copy_only=False)
        whole = np.isfinite(floats) & (floats == np.round(floats))
        texts = [str(int(v)) if w else repr(float(v)) for v, w in zip(floats, whole, strict=True)]
        return Counter(texts)
    counted = pc.value_counts(pc.drop_null(column.cast(pa.string())))
    rows = counted.to_pylist()
    return Counter({str(r["values"]): int(r["counts"]) for r in rows if r["values"] is not None})
