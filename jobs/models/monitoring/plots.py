"""A monitoring run's plots as PNG bytes, drawn the way `credit_metrics.plots` draws (Agg
canvas, fixed size, no varying metadata): the same run gives the same bytes.

- `psi_png`: one bar per feature (and the score), coloured by level, with the warning and
  alert thresholds as lines;
- `score_distribution_png`: the score's share per baseline bin, training against production.
Both show shares of bins, never a record.
"""

from __future__ import annotations

import numpy as np

from jobs.models.monitoring.drift import ColumnDrift
from jobs.models.monitoring.run import MonitoringResult
from jobs.models.monitoring.status import Thresholds
from jobs.runtime.credit_metrics.plots import _figure, _png

COLOURS = {"ok": "tab:green", "warning": "tab:orange", "alert": "tab:red"}


def _level(psi: float, t: Thresholds) -> str:
    return "alert" if psi >= t.psi_alert else "warning" if psi >= t.psi_warning else "ok"


def psi_png(result: MonitoringResult, thresholds: Thresholds | None = None) -> bytes:
    t = thresholds or Thresholds()
    drifts = [*result.features, *([result.score] if result.score else [])]
    names = [d.name for d in drifts]
    values = [d.psi for d in drifts]
    figure = _figure()
    axes = figure.add_subplot()
    positions = np.arange(len(drifts))
    colours = [COLOURS[_level(v, t)] for v in values]
    axes.barh(positions, values, color=colours)
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.axvline(t.psi_warning, color="tab:orange", linestyle="--", linewidth=1,
                 label=f"warning {t.psi_warning:g}")  # fmt: skip
    axes.axvline(t.psi_alert, color="tab:red", linestyle="--", linewidth=1,
                 label=f"alert {t.psi_alert:g}")  # fmt: skip
    axes.set(xlabel="PSI, production against training")
    axes.set_xlim(0, max([t.psi_alert * 1.2, *values]) * 1.05)
    axes.set_title(f"Population stability ({result.status})")
    axes.legend(loc="lower right")
    figure.tight_layout()
    return _png(figure)


def production_bars(score: ColumnDrift, min_count: int) -> tuple[list[float], list[bool]]:
    """The production shares to draw, and which bins are held back (fewer than
    `min_count` records, but some: an empty bin says nothing about anyone)."""
    counts = [round(share * score.records) for share in score.actual]
    hidden = [0 < c < min_count for c in counts]
    return [0.0 if h else share for h, share in zip(hidden, score.actual, strict=True)], hidden


def score_distribution_png(score: ColumnDrift, *, min_count: int = 1) -> bytes:
    """Training and production shares per score bin. A production bin holding fewer than
    `min_count` records (but some) is drawn empty and marked: its share would tell how
    few of the data owner's records fall there, which the zone's minimum cell count
    keeps back from any aggregate that leaves the data's owner."""
    figure = _figure()
    axes = figure.add_subplot()
    positions = np.arange(len(score.bins))
    width = 0.4
    shown, hidden = production_bars(score, min_count)
    axes.bar(positions - width / 2, score.expected, width, color="tab:blue", label="training")
    axes.bar(positions + width / 2, shown, width, color="tab:orange", label="production")
    for position, h in zip(positions, hidden, strict=True):
        if h:
            axes.annotate(f"< {min_count}", (position + width / 2, 0), ha="center",
                          va="bottom", fontsize=6, rotation=90)  # fmt: skip
    axes.set_xticks(positions, score.bins, rotation=45, ha="right", fontsize=7)
    axes.set(ylabel="share of records", xlabel=f"{score.name} bin")
    axes.set_title(f"Score distribution (PSI {score.psi:.3f})")
    axes.legend(loc="upper right")
    figure.tight_layout()
    return _png(figure)
