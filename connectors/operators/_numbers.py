"""Numbers cut into labelled intervals: fixed width, explicit edges, or age bands.

Labels are text: "[100, 200)" for widths and edges ("<0" and ">=1000" outside the edges),
"30-39" for age bands. NaN reads as null. Labels are built once per distinct interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from connectors.operators._arrow import map_unique


def is_numeric(dtype: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype)
    )


def number_text(value: float) -> str:
    """`10` for 10.0, `2.5` for 2.5: short and exact enough for an interval label."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _floats(values: pa.Array) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    data = pc.cast(values, pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
    valid = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False)) & ~np.isnan(data)
    return np.asarray(data, dtype=np.float64), valid


def _floor_labels(values: pa.Array, step: float, label: Callable[[float], str]) -> pa.Array:
    data, valid = _floats(values)
    lows = pa.array(np.floor(data / step) * step, mask=~valid)
    return map_unique(lows, lambda d: pa.array([label(v) for v in d.to_pylist()], pa.string()))


def width_bins(values: pa.Array, width: float) -> pa.Array:
    return _floor_labels(
        values, width, lambda low: f"[{number_text(low)}, {number_text(low + width)})"
    )


def age_bands(values: pa.Array, band: int) -> pa.Array:
    return _floor_labels(values, band, lambda low: f"{int(low)}-{int(low) + band - 1}")


def edge_bins(values: pa.Array, edges: Sequence[float]) -> pa.Array:
    data, valid = _floats(values)
    texts = [number_text(edge) for edge in edges]
    labels = [f"<{texts[0]}"]
    labels += [f"[{low}, {high})" for low, high in pairwise(texts)]
    labels.append(f">={texts[-1]}")
    slots = np.searchsorted(np.asarray(edges, dtype=np.float64), data, side="right")
    return pa.array(labels, pa.string()).take(pa.array(slots, mask=~valid))


def merge_edges(edges: Sequence[float]) -> tuple[float, ...] | None:
    """Every other edge dropped (the intervals pair up, so the coarser ones nest), or None
    when one edge is left."""
    if len(edges) <= 1:
        return None
    kept = list(edges[0::2])
    if len(edges) % 2 == 0 and len(edges) > 2:
        kept.append(edges[-1])
    return tuple(kept)
