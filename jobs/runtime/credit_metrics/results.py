"""The metrics' results: small frozen records, each aggregate with the counts behind it.

Every bin, decile and band carries `count` (and `bads` where outcomes are known) so that the
lab's disclosure gate can judge it like any other aggregate: a decile of three records is a
small cell. Open ends of a bin are `None` in `to_dict()` (JSON has no infinity).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any


def _edge(value: float) -> float | None:
    return None if math.isinf(value) else value


@dataclass(frozen=True)
class Discrimination:
    """AUC, Gini and KS of a score against binary outcomes (1 = bad).

    orientation: "risk" when a higher score means more risk (a probability of default),
    "points" when a higher score means less risk (scorecard points). AUC is the chance that a
    random bad is ranked riskier than a random good, whatever the orientation.
    ks_score: the score at which the two cumulative distributions are furthest apart.
    """

    auc: float
    gini: float
    ks: float
    ks_score: float
    count: int
    bads: int
    goods: int
    orientation: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PsiBin:
    """One bin of a PSI. kind: "range" ([lower, upper), label written out), "category"
    (label is the category), "unseen" (actual categories the expected sample lacks) or
    "missing" (nulls and NaN)."""

    kind: str
    label: str
    lower: float | None
    upper: float | None
    expected_count: int
    actual_count: int
    expected_share: float
    actual_share: float
    contribution: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Psi:
    """Population stability index of `actual` against `expected` (the training sample)."""

    psi: float
    kind: str  # "numeric" | "categorical"
    expected_count: int
    actual_count: int
    epsilon: float
    bins: tuple[PsiBin, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "bins": [b.to_dict() for b in self.bins]}


@dataclass(frozen=True)
class FeaturePsi:
    """PSI per feature of a table, in the table's column order."""

    features: tuple[tuple[str, Psi], ...]

    def get(self, name: str) -> Psi:
        return dict(self.features)[name]

    def to_dict(self) -> dict[str, Any]:
        return {name: psi.to_dict() for name, psi in self.features}


@dataclass(frozen=True)
class ScoreBin:
    """Records whose score falls in [lower, upper): how many, how many bad, their mean score."""

    index: int
    lower: float
    upper: float
    count: int
    bads: int
    mean_score: float | None
    bad_rate: float | None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["lower"], out["upper"] = _edge(self.lower), _edge(self.upper)
        return out


@dataclass(frozen=True)
class Calibration:
    """Mean predicted probability against the observed bad rate, per score decile."""

    deciles: tuple[ScoreBin, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"deciles": [d.to_dict() for d in self.deciles]}


@dataclass(frozen=True)
class BadRateBands:
    """Bad rate by score band; `method` says where the edges came from."""

    method: str  # "edges" | "quantiles"
    bands: tuple[ScoreBin, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "bands": [b.to_dict() for b in self.bands]}


@dataclass(frozen=True)
class BinaryValidation:
    """Everything `labjob.validate_binary` computes for one model on one sample."""

    discrimination: Discrimination
    calibration: Calibration
    bands: BadRateBands
    score_psi: Psi | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "discrimination": self.discrimination.to_dict(),
            "calibration": self.calibration.to_dict(),
            "bands": self.bands.to_dict(),
            "score_psi": self.score_psi.to_dict() if self.score_psi else None,
        }
