"""A monitoring run's status, ok < warning < alert, and the reasons that made it so.

- PSI of a feature or of the score at or above `psi_alert`: alert; at or above
  `psi_warning`: warning;
- with outcomes: AUC below `min_auc`: alert; AUC more than `max_auc_drop` below the
  training AUC: warning; KS below `min_ks`: warning.
No outcome, no AUC rule: a model is not judged on labels it does not have yet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LEVELS = ("ok", "warning", "alert")


@dataclass(frozen=True)
class Thresholds:
    """The zone's `monitoring` thresholds as plain values."""

    psi_warning: float = 0.1
    psi_alert: float = 0.25
    min_auc: float = 0.6
    max_auc_drop: float = 0.05
    min_ks: float = 0.2

    def __post_init__(self) -> None:
        if not 0 < self.psi_warning < self.psi_alert:
            raise ValueError("thresholds need 0 < psi_warning < psi_alert")
        if not 0 <= self.min_auc <= 1 or not 0 <= self.max_auc_drop <= 1:
            raise ValueError("min_auc and max_auc_drop lie between 0 and 1")
        if not 0 <= self.min_ks <= 1:
            raise ValueError("min_ks lies between 0 and 1")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Thresholds:
        """From a zone's `monitoring` section; keys that are not thresholds are ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


@dataclass(frozen=True)
class Reason:
    """One rule a run broke: its level, the metric, what it was measured on, the value and
    the threshold it crossed."""

    level: str
    metric: str
    subject: str
    value: float
    threshold: float

    @property
    def message(self) -> str:
        return (
            f"{self.metric} of {self.subject} is {self.value:.4f}"
            f" ({self.level}: threshold {self.threshold:g})"
        )


def psi_reasons(psis: Sequence[tuple[str, float]], t: Thresholds) -> list[Reason]:
    reasons = []
    for subject, value in psis:
        if value >= t.psi_alert:
            reasons.append(Reason("alert", "psi", subject, value, t.psi_alert))
        elif value >= t.psi_warning:
            reasons.append(Reason("warning", "psi", subject, value, t.psi_warning))
    return reasons


def outcome_reasons(
    auc: float | None, ks: float | None, baseline_auc: float | None, t: Thresholds
) -> list[Reason]:
    reasons = []
    if auc is not None:
        if auc < t.min_auc:
            reasons.append(Reason("alert", "auc", "score", auc, t.min_auc))
        if baseline_auc is not None and baseline_auc - auc > t.max_auc_drop:
            drop = baseline_auc - auc
            reasons.append(Reason("warning", "auc_drop", "score", drop, t.max_auc_drop))
    if ks is not None and ks < t.min_ks:
        reasons.append(Reason("warning", "ks", "score", ks, t.min_ks))
    return reasons


def status_of(reasons: Sequence[Reason]) -> str:
    return max((r.level for r in reasons), key=LEVELS.index, default="ok")
