"""Validation of binary credit models: AUC, Gini, KS, PSI, calibration by score decile, bad
rate by score band, and ROC / KS / score-distribution plots as PNG.

The code lives in the job runtime (`jobs/runtime/credit_metrics`) because the sandbox ships
that directory alone, as the `labjob` package: a job calls `labjob.credit_metrics` or
`labjob.validate_binary`, the lab (promotion gates, monitoring) imports this package, and
both run the very same code.
"""

from __future__ import annotations

from jobs.runtime.credit_metrics import (
    EPSILON,
    BadRateBands,
    BinaryValidation,
    Calibration,
    Discrimination,
    FeaturePsi,
    MetricInputError,
    Psi,
    PsiBin,
    ScoreBin,
    auc,
    bad_rate_by_band,
    calibration,
    discrimination,
    feature_psi,
    ks,
    ks_png,
    psi,
    roc_png,
    score_distribution_png,
)

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
