"""Counts, bads and mean score per score bin: calibration by decile and bad rate by band.

Bins are [lower, upper), the outer ones open. Calibration deciles come from the sample's own
score deciles (`edges.quantile_edges`: a score with many ties gives fewer than ten, none
empty). Bands are either given edges or quantile bands of the sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .edges import quantile_edges
from .inputs import MetricInputError, outcomes_and_scores
from .results import BadRateBands, Calibration, ScoreBin

DEFAULT_BANDS = 5


def _bins(
    y: npt.NDArray[np.int8], s: npt.NDArray[np.float64], edges: npt.NDArray[np.float64]
) -> tuple[ScoreBin, ...]:
    where = np.searchsorted(edges, s, side="right")
    bounds = [-math.inf, *edges.tolist(), math.inf]
    bins = []
    for i in range(len(edges) + 1):
        inside = where == i
        count = int(inside.sum())
        bads = int(y[inside].sum())
        bins.append(
            ScoreBin(
                index=i,
                lower=bounds[i],
                upper=bounds[i + 1],
                count=count,
                bads=bads,
                mean_score=float(s[inside].mean()) if count else None,
                bad_rate=bads / count if count else None,
            )
        )
    return tuple(bins)


def calibration(y_true: Any, score: Any) -> Calibration:
    """Per score decile: count, bads, mean score (the mean predicted probability when the
    score is one) and the observed bad rate."""
    y, s = outcomes_and_scores(y_true, score)
    return Calibration(_bins(y, s, quantile_edges(s, 10)))


def bad_rate_by_band(
    y_true: Any, score: Any, bands: Sequence[float] | int | None = None
) -> BadRateBands:
    """Bad rate per band: `bands` as increasing inner edges ([1, 2] gives (-inf, 1), [1, 2)
    and [2, inf)), or as a number of quantile bands (default five)."""
    y, s = outcomes_and_scores(y_true, score)
    if bands is None or isinstance(bands, int):
        parts = DEFAULT_BANDS if bands is None else bands
        if parts < 1:
            raise MetricInputError("the number of bands must be at least 1")
        return BadRateBands("quantiles", _bins(y, s, quantile_edges(s, parts)))
    edges = np.asarray(bands, dtype=np.float64)
    if edges.ndim != 1 or not np.isfinite(edges).all() or (np.diff(edges) <= 0).any():
        raise MetricInputError("band edges must be finite and strictly increasing")
    return BadRateBands("edges", _bins(y, s, edges))
