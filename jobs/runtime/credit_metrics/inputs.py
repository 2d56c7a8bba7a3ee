"""Checked inputs: binary outcomes and finite scores of the same length."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

ORIENTATIONS = ("risk", "points")


class MetricInputError(ValueError):
    """The outcomes or scores cannot be measured; the message says why (never a value)."""


def outcomes_and_scores(
    y_true: Any, score: Any
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]:
    """`y_true` as 0/1 and `score` as floats, both 1-D and of one length, with both classes
    present and every score finite."""
    y = np.asarray(y_true)
    s = np.asarray(score, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1:
        raise MetricInputError("outcomes and scores must be one-dimensional")
    if len(y) != len(s):
        raise MetricInputError(f"{len(y)} outcomes but {len(s)} scores")
    if y.dtype.kind not in "biuf" or not np.isin(y, (0, 1)).all():
        raise MetricInputError("outcomes must be 0 (good) or 1 (bad)")
    if not np.isfinite(s).all():
        raise MetricInputError(f"{int((~np.isfinite(s)).sum())} scores are missing or infinite")
    bads = int(y.sum())
    if bads == 0 or bads == len(y):
        raise MetricInputError("outcomes must hold both goods (0) and bads (1)")
    return y.astype(np.int8), s


def riskiness(score: npt.NDArray[np.float64], orientation: str) -> npt.NDArray[np.float64]:
    """The score turned so that higher means riskier."""
    if orientation not in ORIENTATIONS:
        raise MetricInputError(f"orientation must be one of {', '.join(ORIENTATIONS)}")
    return score if orientation == "risk" else -score
