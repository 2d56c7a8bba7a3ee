"""Population stability index (PSI) of a score or a feature: the shift of `actual` against
`expected` (the training sample).

Bins come from the expected sample only:
- numbers: its deciles (`edges.quantile_edges`: sample values, repeated ones dropped), so at
  most ten bins [lower, upper), the outer ones open, none of them empty in the expected
  sample; a value equal to an edge falls in the bin above it;
- anything else: its categories (values compared as text), plus one bin for actual values
  the expected sample never had (`unseen`);
- missing values (null, NaN) have a bin of their own when either side has any.

PSI = sum over bins of (a - e) * ln(a / e), with a and e the shares of the actual and
expected records in the bin. An empty bin would make the logarithm infinite, so a share of
zero counts as `EPSILON` (0.0001, one record in ten thousand); the result then stays finite
and an empty bin still weighs heavily (a bin holding half the expected records and none of
the actual ones adds about 4.3). Each bin carries both counts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from .edges import quantile_edges
from .inputs import MetricInputError
from .results import FeaturePsi, Psi, PsiBin

EPSILON = 1e-4


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _numeric(values: npt.NDArray[Any]) -> npt.NDArray[np.float64] | None:
    """The values as floats (NaN for missing) if they are numbers, else None."""
    if values.dtype.kind in "iuf":
        return values.astype(np.float64)
    if values.dtype.kind == "O" and all(
        _is_missing(v) or (isinstance(v, int | float | np.number) and not isinstance(v, bool))
        for v in values
    ):
        return np.array([np.nan if _is_missing(v) else float(v) for v in values], np.float64)
    return None


def _shares(counts: npt.NDArray[np.int64], total: int) -> npt.NDArray[np.float64]:
    shares = counts / total if total else np.zeros(len(counts))
    return np.maximum(shares, EPSILON)


def _result(
    kind: str,
    labels: list[tuple[str, str, float | None, float | None]],
    expected: npt.NDArray[np.int64],
    actual: npt.NDArray[np.int64],
) -> Psi:
    n_e, n_a = int(expected.sum()), int(actual.sum())
    e, a = _shares(expected, n_e), _shares(actual, n_a)
    contributions = (a - e) * np.log(a / e)
    bins = tuple(
        PsiBin(
            kind_of_bin,
            label,
            lower,
            upper,
            int(expected[i]),
            int(actual[i]),
            float(expected[i] / n_e) if n_e else 0.0,
            float(actual[i] / n_a) if n_a else 0.0,
            float(contributions[i]),
        )
        for i, (kind_of_bin, label, lower, upper) in enumerate(labels)
    )
    return Psi(float(contributions.sum()), kind, n_e, n_a, EPSILON, bins)


def _numeric_psi(expected: npt.NDArray[np.float64], actual: npt.NDArray[np.float64]) -> Psi:
    present = expected[~np.isnan(expected)]
    if not len(present):
        raise MetricInputError("the expected sample has no non-missing value")
    edges = quantile_edges(present, 10)
    bounds = [-math.inf, *edges.tolist(), math.inf]
    labels: list[tuple[str, str, float | None, float | None]] = []
    for lower, upper in itertools.pairwise(bounds):
        low = None if math.isinf(lower) else lower
        high = None if math.isinf(upper) else upper
        labels.append(("range", f"[{lower:g}, {upper:g})", low, high))

    def counts(values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        kept = values[~np.isnan(values)]
        where = np.searchsorted(edges, kept, side="right")
        found = np.bincount(where, minlength=len(edges) + 1).astype(np.int64)
        missing = np.array([np.isnan(values).sum()], dtype=np.int64)
        return np.concatenate([found, missing])

    e, a = counts(expected), counts(actual)
    if e[-1] == 0 and a[-1] == 0:
        return _result("numeric", labels, e[:-1], a[:-1])
    return _result("numeric", [*labels, ("missing", "", None, None)], e, a)


def _categorical_psi(expected: npt.NDArray[Any], actual: npt.NDArray[Any]) -> Psi:
    def tally(values: Iterable[Any]) -> dict[str | None, int]:
        found: dict[str | None, int] = {}
        for value in values:
            key = None if _is_missing(value) else str(value)
            found[key] = found.get(key, 0) + 1
        return found

    e_counts, a_counts = tally(expected), tally(actual)
    categories = sorted(k for k in e_counts if k is not None)
    unseen = sum(n for k, n in a_counts.items() if k is not None and k not in e_counts)
    labels: list[tuple[str, str, float | None, float | None]] = [
        ("category", c, None, None) for c in categories
    ]
    e = [e_counts[c] for c in categories]
    a = [a_counts.get(c, 0) for c in categories]
    if unseen:
        labels.append(("unseen", "", None, None))
        e.append(0)
        a.append(unseen)
    if None in e_counts or None in a_counts:
        labels.append(("missing", "", None, None))
        e.append(e_counts.get(None, 0))
        a.append(a_counts.get(None, 0))
    return _result("categorical", labels, np.array(e, np.int64), np.array(a, np.int64))


def psi(expected: Any, actual: Any) -> Psi:
    """PSI of `actual` against `expected` (see the module doc for the bins)."""
    e, a = np.asarray(expected), np.asarray(actual)
    if e.ndim != 1 or a.ndim != 1:
        raise MetricInputError("PSI compares two one-dimensional samples")
    if not len(e) or not len(a):
        raise MetricInputError("PSI needs records on both sides")
    e_num, a_num = _numeric(e), _numeric(a)
    if e_num is not None and a_num is not None:
        return _numeric_psi(e_num, a_num)
    return _categorical_psi(e, a)


def _columns(table: Any) -> dict[str, npt.NDArray[Any]]:
    """A pandas DataFrame, a pyarrow Table or a mapping of arrays as named numpy arrays
    (nulls as None in text columns, NaN in numeric ones)."""
    if isinstance(table, Mapping):
        return {str(k): np.asarray(v) for k, v in table.items()}
    if hasattr(table, "to_pandas") and hasattr(table, "column_names"):
        return {
            name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names
        }
    if hasattr(table, "columns") and hasattr(table, "__getitem__"):
        columns: dict[str, npt.NDArray[Any]] = {}
        for name in table.columns:
            column = table[name]
            values = column.to_numpy(dtype=object, na_value=None)
            numeric = _numeric(values)
            columns[str(name)] = numeric if numeric is not None else values
        return columns
    raise MetricInputError("a table must be a pandas DataFrame, a pyarrow Table or a mapping")


def feature_psi(expected: Any, actual: Any, features: Iterable[str] | None = None) -> FeaturePsi:
    """PSI of every feature (default: every column of `expected`) present in both tables."""
    e_cols, a_cols = _columns(expected), _columns(actual)
    names = list(features) if features is not None else list(e_cols)
    missing = [name for name in names if name not in e_cols or name not in a_cols]
    if missing:
        raise MetricInputError(f"features missing from a table: {', '.join(missing)}")
    return FeaturePsi(tuple((name, psi(e_cols[name], a_cols[name])) for name in names))
