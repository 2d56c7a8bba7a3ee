"""A monitoring run: production data against a model's baseline profile, streamed.

The data are read one Arrow batch at a time (a DuckDB relation through its Arrow stream,
a reader, a table or any iterable of batches): each batch adds its counts to the features'
and the score's baseline bins, and, with a label column, its labelled (score, outcome)
pairs. Nothing else of the data is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jobs.models.monitoring.columns import MonitoringInputError, column_of
from jobs.models.monitoring.discrimination import OutcomeCollector
from jobs.models.monitoring.drift import ColumnCounter, ColumnDrift
from jobs.models.monitoring.profile import BaselineProfile
from jobs.models.monitoring.status import (
    Reason,
    Thresholds,
    outcome_reasons,
    psi_reasons,
    status_of,
)
from jobs.models.record_batches import record_batches

BATCH_ROWS = 131_072


@dataclass(frozen=True)
class MonitoringResult:
    """PSI per feature and of the score; AUC and KS when outcomes are known (else None);
    the status and the reasons for it."""

    records: int
    features: tuple[ColumnDrift, ...]
    score: ColumnDrift | None
    labelled: int
    auc: float | None
    ks: float | None
    status: str
    reasons: tuple[Reason, ...]

    def psi(self, name: str) -> float:
        """The PSI of a feature, or of the score by its column name."""
        for drift in (*self.features, *([self.score] if self.score else [])):
            if drift.name == name:
                return drift.psi
        raise KeyError(name)


def monitor(
    profile: BaselineProfile,
    data: Any,
    thresholds: Thresholds | None = None,
    *,
    label_column: str | None = None,
    batch_rows: int = BATCH_ROWS,
) -> MonitoringResult:
    """Production `data` (features, the score column the profile names, and optionally
    outcomes in `label_column`) against `profile`."""
    t = thresholds or Thresholds()
    features = [ColumnCounter(p) for p in profile.features]
    score = ColumnCounter(profile.score) if profile.score else None
    outcomes = OutcomeCollector() if label_column is not None else None
    if outcomes is not None and profile.score is None:
        raise MonitoringInputError("outcomes need a score: the profile has none")
    records = 0
    try:
        batches = record_batches(data, batch_rows)
    except TypeError as exc:
        raise MonitoringInputError(str(exc)) from None
    for batch in batches:
        records += batch.num_rows
        for counter in features:
            counter.add(column_of(batch, counter.profile.name))
        if score is not None:
            score_values = column_of(batch, score.profile.name)
            score.add(score_values)
            if outcomes is not None and label_column is not None:
                outcomes.add(score_values, column_of(batch, label_column))
    if records == 0:
        raise MonitoringInputError("the production data have no records")
    drifts = tuple(c.drift() for c in features)
    score_drift = score.drift() if score is not None else None
    found = outcomes.result() if outcomes is not None else None
    auc, ks = (found.auc, found.ks) if found is not None else (None, None)
    psis = [(d.name, d.psi) for d in (*drifts, *([score_drift] if score_drift else []))]
    reasons = (*psi_reasons(psis, t), *outcome_reasons(auc, ks, profile.auc, t))
    return MonitoringResult(
        records=records,
        features=drifts,
        score=score_drift,
        labelled=outcomes.labelled if outcomes is not None else 0,
        auc=auc,
        ks=ks,
        status=status_of(reasons),
        reasons=tuple(reasons),
    )
