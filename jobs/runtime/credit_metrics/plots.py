"""ROC, KS and score-distribution plots as PNG bytes: matplotlib's Agg canvas, no display,
no pyplot state, a fixed size, and no metadata that changes between runs, so the same input
gives the same bytes.

The curves are drawn at most at `GRID` score quantiles, not at every distinct score: a step
per record would place single records on the plot, a quantile step holds about 1/GRID of
the sample. The distribution's bins are quantile bins of the whole sample for the same
reason.

matplotlib keeps a configuration and font cache directory, by default under the home
directory. The sandbox points `MPLCONFIGDIR` at its own temporary directory; elsewhere, when
nothing has chosen one before matplotlib's first import, a fresh temporary directory is used,
so that drawing a plot never writes to `~/.config` or `~/.cache`.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .discrimination import _auc, _ks
from .inputs import outcomes_and_scores, riskiness

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GRID = 100
HISTOGRAM_BINS = 20
SIZE = (6.0, 4.5)
DPI = 100
_METADATA = {"Software": None, "Title": None, "Author": None, "Description": None}


def _figure() -> Figure:
    if "matplotlib" not in sys.modules and not os.environ.get("MPLCONFIGDIR"):
        os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="matplotlib-")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata=_METADATA)
    return buffer.getvalue()


def _grid(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    grid: npt.NDArray[np.float64] = np.unique(np.quantile(values, np.linspace(0, 1, GRID + 1)))
    return grid


def roc_png(y_true: Any, score: Any, *, orientation: str = "risk") -> bytes:
    """The ROC curve (bads caught against goods refused) with its AUC."""
    y, s = outcomes_and_scores(y_true, score)
    risk = riskiness(s, orientation)
    cut = _grid(risk)
    bad, good = risk[y == 1], risk[y == 0]
    tpr = np.r_[0.0, [(bad >= t).mean() for t in cut[::-1]], 1.0]
    fpr = np.r_[0.0, [(good >= t).mean() for t in cut[::-1]], 1.0]
    figure = _figure()
    axes = figure.add_subplot()
    axes.plot(fpr, tpr, color="tab:blue", label=f"model (AUC {_auc(y, risk):.3f})")
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="chance")
    axes.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="share of goods", ylabel="share of bads")
    axes.set_title("ROC")
    axes.legend(loc="lower right")
    return _png(figure)


def ks_png(y_true: Any, score: Any) -> bytes:
    """The cumulative score distributions of bads and goods, and where KS is reached."""
    y, s = outcomes_and_scores(y_true, score)
    cut = _grid(s)
    bad, good = s[y == 1], s[y == 0]
    bads = np.array([(bad <= t).mean() for t in cut])
    goods = np.array([(good <= t).mean() for t in cut])
    statistic, at = _ks(y, s)
    figure = _figure()
    axes = figure.add_subplot()
    axes.step(cut, bads, where="post", color="tab:red", label="bads")
    axes.step(cut, goods, where="post", color="tab:green", label="goods")
    axes.axvline(at, color="grey", linestyle="--", linewidth=1, label=f"KS {statistic:.3f}")
    axes.set(ylim=(0, 1.01), xlabel="score", ylabel="cumulative share")
    axes.set_title("KS")
    axes.legend(loc="lower right")
    return _png(figure)


def score_distribution_png(y_true: Any, score: Any) -> bytes:
    """Score densities of goods and bads over quantile bins of the whole sample."""
    y, s = outcomes_and_scores(y_true, score)
    edges = np.unique(np.quantile(s, np.linspace(0, 1, HISTOGRAM_BINS + 1)))
    if len(edges) < 2:
        edges = np.array([s[0] - 0.5, s[0] + 0.5])
    figure = _figure()
    axes = figure.add_subplot()
    bins = edges.tolist()
    for label, color, part in (("goods", "tab:green", s[y == 0]), ("bads", "tab:red", s[y == 1])):
        axes.hist(part, bins=bins, density=True, histtype="step", color=color, label=label)
    axes.set(xlabel="score", ylabel="density")
    axes.set_title("Score distribution")
    axes.legend(loc="upper right")
    return _png(figure)
