"""The baseline a deployed model is monitored against: an aggregate profile of its training
sample, per feature and for the score.

- a number: quantile bins (10 by default) [lower, upper) with open outer ends, their share
  of the sample, and the share of missing values (null, NaN) as a bin of its own;
- anything else (text, dates, booleans, compared as text): the share of each level, one
  `other` bucket for the rest (and for levels production has and training had not), and
  the share of missing values.

The profile outlives the sample, so it keeps aggregates only, none of them about fewer than
`k` records: a level seen fewer than `k` times is never named (it goes to `other`); numeric
bins under `k` are merged with a neighbour (`jobs.models.small_bins`); and bin edges, which
quantiles take from the sample's own values, are rounded to `EDGE_DIGITS` significant digits
so that an edge is not a record's exact value. A constant column, or one with fewer than `k`
values present, has a single bin and no edge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from jobs.models.monitoring.columns import (
    F64,
    MonitoringInputError,
    column_of,
    is_numeric,
    numbers,
    texts,
)
from jobs.models.monitoring.discrimination import labelled_discrimination
from jobs.models.small_bins import merge_groups, merged_sums
from jobs.runtime.credit_metrics.edges import quantile_edges

DEFAULT_BINS = 10
DEFAULT_K = 10
MAX_LEVELS = 50
EDGE_DIGITS = 3


@dataclass(frozen=True)
class NumericProfile:
    """Shares of the bins cut at `edges` (len(edges) + 1 of them) and of missing values."""

    name: str
    edges: tuple[float, ...]
    shares: tuple[float, ...]
    missing_share: float
    kind: str = "numeric"


@dataclass(frozen=True)
class CategoricalProfile:
    """Shares of each named level, of all other levels together and of missing values."""

    name: str
    levels: tuple[str, ...]
    shares: tuple[float, ...]
    other_share: float
    missing_share: float
    kind: str = "categorical"


ColumnProfile = NumericProfile | CategoricalProfile


@dataclass(frozen=True)
class BaselineProfile:
    """The training sample's profile: features, score and, with labels, AUC and KS."""

    records: int
    k: int
    features: tuple[ColumnProfile, ...]
    score: NumericProfile | None = None
    auc: float | None = None
    ks: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BaselineProfile:
        def column(raw: dict[str, Any]) -> ColumnProfile:
            if raw["kind"] == "numeric":
                return NumericProfile(
                    raw["name"], tuple(raw["edges"]), tuple(raw["shares"]), raw["missing_share"]
                )
            return CategoricalProfile(raw["name"], tuple(raw["levels"]), tuple(raw["shares"]),
                                      raw["other_share"], raw["missing_share"])  # fmt: skip

        score = data.get("score")
        found = column(score) if score else None
        return cls(
            records=int(data["records"]),
            k=int(data["k"]),
            features=tuple(column(f) for f in data["features"]),
            score=found if isinstance(found, NumericProfile) else None,
            auc=data.get("auc"),
            ks=data.get("ks"),
        )


def _round_edges(edges: F64) -> F64:
    rounded = [
        0.0 if e == 0 else round(float(e), EDGE_DIGITS - 1 - math.floor(math.log10(abs(e))))
        for e in edges
    ]
    out: F64 = np.unique(np.asarray(rounded, dtype=np.float64))
    return out


def numeric_profile(name: str, column: Any, *, bins: int = DEFAULT_BINS, k: int = DEFAULT_K
                    ) -> NumericProfile:  # fmt: skip
    present, missing = numbers(column)
    total = len(present) + missing
    if total == 0:
        raise MonitoringInputError(f"the column {name!r} has no records to profile")
    edges: F64 = np.empty(0)
    if len(present) >= k:
        edges = _round_edges(quantile_edges(present, bins))
    counts = np.bincount(np.searchsorted(edges, present, side="right"), minlength=len(edges) + 1)
    groups = merge_groups(counts, k)
    kept = np.asarray([edges[g[0] - 1] for g in groups[1:]], dtype=np.float64)
    merged = merged_sums(counts, groups)
    return NumericProfile(
        name,
        tuple(float(e) for e in kept),
        tuple(float(c / total) for c in merged),
        missing / total,
    )


def categorical_profile(name: str, column: Any, *, k: int = DEFAULT_K,
                        max_levels: int = MAX_LEVELS) -> CategoricalProfile:  # fmt: skip
    tally, missing = texts(column)
    total = sum(tally.values()) + missing
    if total == 0:
        raise MonitoringInputError(f"the column {name!r} has no records to profile")
    frequent = sorted((-n, level) for level, n in tally.items() if n >= k)[:max_levels]
    levels = sorted(level for _, level in frequent)
    named = sum(tally[level] for level in levels)
    return CategoricalProfile(
        name,
        tuple(levels),
        tuple(tally[level] / total for level in levels),
        (sum(tally.values()) - named) / total,
        missing / total,
    )


def column_profile(name: str, column: Any, *, bins: int = DEFAULT_BINS, k: int = DEFAULT_K
                   ) -> ColumnProfile:  # fmt: skip
    if is_numeric(column.type):
        return numeric_profile(name, column, bins=bins, k=k)
    return categorical_profile(name, column, k=k)


def build_profile(
    sample: pa.Table | Iterable[pa.RecordBatch],
    features: Sequence[str],
    *,
    score_column: str | None = None,
    label_column: str | None = None,
    bins: int = DEFAULT_BINS,
    k: int = DEFAULT_K,
) -> BaselineProfile:
    """The profile of the training `sample` (read whole: it is a sample). With a
    `score_column`, the score's bins too; with a `label_column` as well, the training AUC and
    KS, which monitoring compares production's against (`max_auc_drop`): on the very
    sample the model was fitted to they are optimistic, so pass a sample the model did not
    learn from, or a model that does not overfit, or the drop rule fires on day one."""
    if k < 1 or bins < 1:
        raise MonitoringInputError("k and bins must be at least 1")
    table = sample if isinstance(sample, pa.Table) else pa.Table.from_batches(list(sample))
    profiles = tuple(
        column_profile(name, column_of(table, name), bins=bins, k=k) for name in features
    )
    score = auc = ks = None
    if score_column is not None:
        score_values = column_of(table, score_column)
        score = numeric_profile(score_column, score_values, bins=bins, k=k)
        if label_column is not None:
            found = labelled_discrimination(score_values, column_of(table, label_column))
            auc, ks = (found.auc, found.ks) if found else (None, None)
    return BaselineProfile(table.num_rows, k, profiles, score, auc, ks)
