"""Effect monitoring of a deployed model: a baseline profile of its training sample
(aggregates only), a streamed run over production data against it (PSI per feature and of
the score, AUC and KS once outcomes are known), a status with its reasons, and plots.

A library: the lab schedules the runs, stores profiles and results and audits status
changes; nothing here knows about deployments, zones or the database.
"""

from jobs.models.monitoring.columns import MonitoringInputError
from jobs.models.monitoring.drift import ColumnDrift
from jobs.models.monitoring.plots import (
    COUNT_COLUMN,
    psi_png,
    psi_table,
    score_distribution_png,
    score_table,
    suppressed_rows,
)
from jobs.models.monitoring.profile import (
    BaselineProfile,
    CategoricalProfile,
    NumericProfile,
    build_profile,
)
from jobs.models.monitoring.run import MonitoringResult, monitor
from jobs.models.monitoring.status import LEVELS, Reason, Thresholds

__all__ = [
    "COUNT_COLUMN",
    "LEVELS",
    "BaselineProfile",
    "CategoricalProfile",
    "ColumnDrift",
    "MonitoringInputError",
    "MonitoringResult",
    "NumericProfile",
    "Reason",
    "Thresholds",
    "build_profile",
    "monitor",
    "psi_png",
    "psi_table",
    "score_distribution_png",
    "score_table",
    "suppressed_rows",
]
