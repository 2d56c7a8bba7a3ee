"""Validation metrics for binary credit models (1 = bad): AUC, Gini, KS, PSI, calibration by
score decile, bad rate by score band, and ROC / KS / score-distribution plots as PNG.

It lives in the job runtime so that a sandboxed job reaches it as `labjob.credit_metrics`
(the sandbox ships `jobs/runtime` alone); the lab imports the same code as
`jobs.models.validation`. It needs numpy, scipy and, for the plots, matplotlib.

A score is a risk score by default (higher = more likely bad, such as P(bad)); pass
`orientation="points"` where higher is better (scorecard points).
"""

from __future__ import annotations

from .discrimination import auc, discrimination, ks
from .inputs import MetricInputError
from .plots import ks_png, roc_png, score_distribution_png
from .psi import EPSILON, feature_psi, psi
from .results import (
    BadRateBands,
    BinaryValidation,
    Calibration,
    Discrimination,
    FeaturePsi,
    Psi,
    PsiBin,
    ScoreBin,
)
from .score_bins import bad_rate_by_band, calibration

__all__ = [
    "EPSILON",
    "BadRateBands",
    "BinaryValidation",
    "Calibration",
    "Discrimination",
    "FeaturePsi",
    "MetricInputError",
    "Psi",
    "PsiBin",
    "ScoreBin",
    "auc",
    "bad_rate_by_band",
    "calibration",
    "discrimination",
    "feature_psi",
    "ks",
    "ks_png",
    "psi",
    "roc_png",
    "score_distribution_png",
]
