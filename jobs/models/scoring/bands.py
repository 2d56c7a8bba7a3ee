"""Score bands and the approval cut-off of a production scoring run.

Bands are [lower, upper) between increasing inner `edges`, the outer ones open, numbered
from 1 (lowest score) up. A risk score (a probability of default) is approved below the
cut-off; scorecard points (higher is better) at or above it. The edges and the cut-off are
the model owner's choice, not values of the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from jobs.models.formats import ScoringInputInvalid

Orientation = Literal["risk", "points"]


@dataclass(frozen=True)
class ScoreBands:
    edges: tuple[float, ...]
    cutoff: float
    orientation: Orientation = "risk"

    def __post_init__(self) -> None:
        edges = np.asarray(self.edges, dtype=np.float64)
        if not len(edges) or not np.isfinite(edges).all() or (np.diff(edges) <= 0).any():
            raise ScoringInputInvalid("band edges must be finite and strictly increasing")
        if not math.isfinite(self.cutoff):
            raise ScoringInputInvalid("the cut-off must be a finite number")
        if self.orientation not in ("risk", "points"):
            raise ScoringInputInvalid("orientation must be 'risk' or 'points'")

    @property
    def count(self) -> int:
        return len(self.edges) + 1

    def band_of(self, scores: npt.NDArray[np.float64]) -> npt.NDArray[np.int32]:
        """1-based band numbers of `scores` (a missing score gets band 0)."""
        bands = np.searchsorted(np.asarray(self.edges), scores, side="right") + 1
        out: npt.NDArray[np.int32] = np.where(np.isnan(scores), 0, bands).astype(np.int32)
        return out

    def approved(self, scores: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Whether each score passes the cut-off (a missing score never does)."""
        with np.errstate(invalid="ignore"):
            if self.orientation == "risk":
                return np.asarray(scores < self.cutoff)
            return np.asarray(scores >= self.cutoff)

    def bounds(self, first: int, last: int) -> tuple[float | None, float | None]:
        """The score range of bands `first` to `last` (1-based); None for an open end."""
        lower = self.edges[first - 2] if first > 1 else None
        upper = self.edges[last - 1] if last < self.count else None
        return lower, upper
