"""AUC, Gini and KS of a binary credit model.

AUC is the Mann-Whitney statistic (ties count one half), so it equals
`sklearn.metrics.roc_auc_score(y, score)` for a risk score and `roc_auc_score(y, -score)` for
points. KS is the largest gap between the cumulative score distributions of bads and goods,
as `scipy.stats.ks_2samp(score[y == 1], score[y == 0]).statistic`; it does not depend on the
orientation, and `ks_score` is the (smallest) score where the gap is reached.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .inputs import outcomes_and_scores, riskiness
from .results import Discrimination


def auc(y_true: Any, score: Any, *, orientation: str = "risk") -> float:
    """Area under the ROC curve; see the module doc."""
    y, s = outcomes_and_scores(y_true, score)
    return _auc(y, riskiness(s, orientation))


def _auc(y: npt.NDArray[np.int8], risk: npt.NDArray[np.float64]) -> float:
    """Pairs (bad, good) where the bad is riskier, plus half the tied pairs, over all pairs."""
    _, where = np.unique(risk, return_inverse=True)
    bads_at = np.bincount(where, weights=y).astype(np.float64)
    goods_at = np.bincount(where, weights=1 - y).astype(np.float64)
    goods_below = np.cumsum(goods_at) - goods_at
    pairs = float((bads_at * (goods_below + goods_at / 2)).sum())
    return pairs / float(bads_at.sum() * goods_at.sum())


def cumulative_curves(
    y: npt.NDArray[np.int8], s: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Distinct scores ascending, and the shares of bads and of goods at or below each."""
    order = np.argsort(s, kind="stable")
    sorted_s, sorted_y = s[order], y[order]
    last = np.r_[sorted_s[1:] != sorted_s[:-1], True]
    bads = np.cumsum(sorted_y)[last] / max(int(y.sum()), 1)
    goods = np.cumsum(1 - sorted_y)[last] / max(int(len(y) - y.sum()), 1)
    return sorted_s[last], bads.astype(np.float64), goods.astype(np.float64)


def ks(y_true: Any, score: Any) -> tuple[float, float]:
    """KS statistic and the score at which it is reached."""
    y, s = outcomes_and_scores(y_true, score)
    return _ks(y, s)


def _ks(y: npt.NDArray[np.int8], s: npt.NDArray[np.float64]) -> tuple[float, float]:
    scores, bads, goods = cumulative_curves(y, s)
    gaps = np.abs(bads - goods)
    at = int(np.argmax(gaps))
    return float(gaps[at]), float(scores[at])


def discrimination(y_true: Any, score: Any, *, orientation: str = "risk") -> Discrimination:
    """AUC, Gini (2 AUC - 1), KS and its score, with the counts of bads and goods."""
    y, s = outcomes_and_scores(y_true, score)
    area = _auc(y, riskiness(s, orientation))
    statistic, at = _ks(y, s)
    bads = int(y.sum())
    return Discrimination(
        auc=area,
        gini=2 * area - 1,
        ks=statistic,
        ks_score=at,
        count=len(y),
        bads=bads,
        goods=len(y) - bads,
        orientation=orientation,
    )
