"""Production's counts in a baseline's bins, gathered batch by batch, and their PSI.

PSI = sum over bins of (a - e) ln(a / e), a and e production's and training's shares, with a
share of zero counted as `EPSILON` (as `credit_metrics.psi` does). A numeric column has its
range bins and, when either side has any, the missing bin; a categorical one its named
levels, `other` (levels the baseline does not name, seen or unseen in training) and missing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from jobs.models.monitoring.columns import MonitoringInputError, numbers, texts
from jobs.models.monitoring.profile import CategoricalProfile, ColumnProfile, NumericProfile
from jobs.runtime.credit_metrics import EPSILON


@dataclass(frozen=True)
class ColumnDrift:
    """A column's PSI with the bins it is made of: labels, training and production shares."""

    name: str
    kind: str
    psi: float
    bins: tuple[str, ...]
    expected: tuple[float, ...]
    actual: tuple[float, ...]
    records: int


def _range_labels(edges: tuple[float, ...]) -> list[str]:
    bounds = ["-inf", *(f"{e:g}" for e in edges), "inf"]
    return [f"[{lo}, {hi})" for lo, hi in itertools.pairwise(bounds)]


def psi_of_shares(expected: npt.NDArray[np.float64], actual: npt.NDArray[np.float64]) -> float:
    e, a = np.maximum(expected, EPSILON), np.maximum(actual, EPSILON)
    return float(((a - e) * np.log(a / e)).sum())


class ColumnCounter:
    """Counts of one column's values in its baseline bins."""

    def __init__(self, profile: ColumnProfile) -> None:
        self.profile = profile
        if isinstance(profile, NumericProfile):
            self._edges = np.asarray(profile.edges, dtype=np.float64)
            self.counts = np.zeros(len(profile.edges) + 1, dtype=np.int64)
        else:
            self._index = {level: i for i, level in enumerate(profile.levels)}
            self.counts = np.zeros(len(profile.levels) + 1, dtype=np.int64)  # + other
        self.missing = 0

    def add(self, column: Any) -> None:
        if isinstance(self.profile, NumericProfile):
            try:
                present, missing = numbers(column)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise MonitoringInputError(
                    f"the column {self.profile.name!r} was numeric in training and is not now"
                ) from None
            where = np.searchsorted(self._edges, present, side="right")
            self.counts += np.bincount(where, minlength=len(self.counts))
        else:
            tally, missing = texts(column)
            other = len(self.counts) - 1
            for level, n in tally.items():
                self.counts[self._index.get(level, other)] += n
        self.missing += missing

    def drift(self) -> ColumnDrift:
        p = self.profile
        if isinstance(p, NumericProfile):
            labels, expected = _range_labels(p.edges), [*p.shares]
        else:
            assert isinstance(p, CategoricalProfile)
            labels, expected = [*p.levels, "other"], [*p.shares, p.other_share]
        counts = [int(c) for c in self.counts]
        if p.missing_share > 0 or self.missing > 0:
            labels, expected, counts = (
                [*labels, "missing"],
                [*expected, p.missing_share],
                [
                    *counts,
                    self.missing,
                ],
            )
        total = sum(counts)
        actual = np.asarray(counts, dtype=np.float64) / total if total else np.zeros(len(counts))
        e = np.asarray(expected, dtype=np.float64)
        return ColumnDrift(
            name=p.name,
            kind=p.kind,
            psi=psi_of_shares(e, actual),
            bins=tuple(labels),
            expected=tuple(float(x) for x in e),
            actual=tuple(float(x) for x in actual),
            records=total,
        )
