"""AUC and KS of the records whose outcome is known, gathered batch by batch.

Outcomes arrive in production long after the scores, so the label column may be partly or
wholly null: only records with a label (0 or 1) and a finite score count. Without both
classes among them there is no AUC or KS to report, which is `None`, never zero.

The exact AUC needs every labelled (score, outcome) pair, so the collector keeps those two
columns (nine bytes a record) and nothing else of the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from jobs.models.monitoring.columns import MonitoringInputError
from jobs.runtime.credit_metrics import Discrimination, discrimination


def _pairs(score: Any, label: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int8]]:
    s = pc.cast(score, pa.float64())
    y = pc.cast(label, pa.float64())
    keep = pc.and_(pc.is_valid(y), pc.and_(pc.is_valid(s), pc.is_finite(pc.fill_null(s, 0.0))))
    ys = np.asarray(pc.filter(y, keep).to_numpy(zero_copy_only=False), dtype=np.float64)
    if not np.isin(ys, (0.0, 1.0)).all():
        raise MonitoringInputError("outcome labels must be 0 (good), 1 (bad) or missing")
    ss = np.asarray(pc.filter(s, keep).to_numpy(zero_copy_only=False), dtype=np.float64)
    return ss, ys.astype(np.int8)


class OutcomeCollector:
    """The labelled (score, outcome) pairs of a stream of batches."""

    def __init__(self) -> None:
        self._scores: list[npt.NDArray[np.float64]] = []
        self._labels: list[npt.NDArray[np.int8]] = []

    def add(self, score: Any, label: Any) -> None:
        s, y = _pairs(score, label)
        if len(y):
            self._scores.append(s)
            self._labels.append(y)

    @property
    def labelled(self) -> int:
        return sum(len(y) for y in self._labels)

    def result(self) -> Discrimination | None:
        if not self._labels:
            return None
        y = np.concatenate(self._labels)
        if y.min() == y.max():
            return None
        return discrimination(y, np.concatenate(self._scores))


def labelled_discrimination(score: Any, label: Any) -> Discrimination | None:
    """AUC, KS... of the labelled records of one column pair, or None without both classes."""
    collector = OutcomeCollector()
    collector.add(score, label)
    return collector.result()
