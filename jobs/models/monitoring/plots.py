"""A monitoring run's plots as PNG bytes, drawn the way `credit_metrics.plots` draws (Agg
canvas, fixed size, no varying metadata): the same tables give the same bytes.

Each plot is drawn from a table of aggregates, never from the run itself, so that the table
can pass the disclosure gate first and the plot show only what the gate let through:

- `psi_table` / `psi_png`: per feature (and the score) its PSI and the records it rests on;
  one bar each, coloured by level, with the warning and alert thresholds as lines;
- `score_table` / `score_distribution_png`: per baseline bin of the score its training share
  and production's record count; training's share against production's.

`COUNT_COLUMN` is the count column of both tables. A row whose count the gate suppressed
(null) is drawn empty and marked "suppressed"; which rows are suppressed is the gate's
decision alone, nothing here applies a threshold.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from jobs.models.monitoring.drift import ColumnDrift
from jobs.models.monitoring.run import MonitoringResult
from jobs.models.monitoring.status import Thresholds
from jobs.runtime.credit_metrics.plots import _figure, _png

COLOURS = {"ok": "tab:green", "warning": "tab:orange", "alert": "tab:red"}
COUNT_COLUMN = "records"
SUPPRESSED = "suppressed"


def _level(psi: float, t: Thresholds) -> str:
    return "alert" if psi >= t.psi_alert else "warning" if psi >= t.psi_warning else "ok"


def psi_table(result: MonitoringResult) -> pa.Table:
    """Per feature, then the score: its PSI and the production records it rests on."""
    drifts = [*result.features, *([result.score] if result.score else [])]
    return pa.table(
        {
            "feature": pa.array([d.name for d in drifts], pa.string()),
            "psi": pa.array([d.psi for d in drifts], pa.float64()),
            COUNT_COLUMN: pa.array([d.records for d in drifts], pa.int64()),
        }
    )


def score_table(score: ColumnDrift) -> pa.Table:
    """Per baseline bin of the score: its label, training's share and production's count."""
    counts = [round(share * score.records) for share in score.actual]
    return pa.table(
        {
            "bin": pa.array(score.bins, pa.string()),
            "training_share": pa.array(score.expected, pa.float64()),
            COUNT_COLUMN: pa.array(counts, pa.int64()),
        }
    )


def suppressed_rows(table: pa.Table) -> list[bool]:
    """Which rows' counts were suppressed (are null) in a gated table."""
    return [count is None for count in table.column(COUNT_COLUMN).to_pylist()]


def psi_png(table: pa.Table, *, status: str, thresholds: Thresholds | None = None) -> bytes:
    """The PSI of each row of a (gated) `psi_table`; a suppressed row has no bar."""
    t = thresholds or Thresholds()
    names = [str(n) for n in table.column("feature").to_pylist()]
    hidden = suppressed_rows(table)
    values = [0.0 if h else float(v) for h, v in zip(hidden, table.column("psi").to_pylist(),
                                                     strict=True)]  # fmt: skip
    figure = _figure()
    axes = figure.add_subplot()
    positions = np.arange(len(names))
    colours = [COLOURS[_level(v, t)] for v in values]
    axes.barh(positions, values, color=colours)
    for position, h in zip(positions, hidden, strict=True):
        if h:
            axes.annotate(SUPPRESSED, (0, position), va="center", fontsize=7)
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.axvline(t.psi_warning, color="tab:orange", linestyle="--", linewidth=1,
                 label=f"warning {t.psi_warning:g}")  # fmt: skip
    axes.axvline(t.psi_alert, color="tab:red", linestyle="--", linewidth=1,
                 label=f"alert {t.psi_alert:g}")  # fmt: skip
    axes.set(xlabel="PSI, production against training")
    axes.set_xlim(0, max([t.psi_alert * 1.2, *values]) * 1.05)
    axes.set_title(f"Population stability ({status})")
    axes.legend(loc="lower right")
    figure.tight_layout()
    return _png(figure)


def production_shares(table: pa.Table) -> list[float]:
    """Production's share of each bin of a (gated) `score_table`: its count over the counts
    shown; a suppressed bin's share is 0 (it is drawn empty and marked)."""
    counts = [c or 0 for c in table.column(COUNT_COLUMN).to_pylist()]
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def score_distribution_png(table: pa.Table, *, name: str, psi: float) -> bytes:
    """Training's share and production's per score bin of a (gated) `score_table`.
    Production's shares are of the records in the bins shown; a bin whose count the gate
    suppressed is drawn empty and marked."""
    figure = _figure()
    axes = figure.add_subplot()
    bins = [str(b) for b in table.column("bin").to_pylist()]
    positions = np.arange(len(bins))
    width = 0.4
    expected = [float(s) for s in table.column("training_share").to_pylist()]
    axes.bar(positions - width / 2, expected, width, color="tab:blue", label="training")
    axes.bar(positions + width / 2, production_shares(table), width, color="tab:orange",
             label="production")  # fmt: skip
    for position, h in zip(positions, suppressed_rows(table), strict=True):
        if h:
            axes.annotate(SUPPRESSED, (position + width / 2, 0), ha="center",
                          va="bottom", fontsize=6, rotation=90)  # fmt: skip
    axes.set_xticks(positions, bins, rotation=45, ha="right", fontsize=7)
    axes.set(ylabel="share of records", xlabel=f"{name} bin")
    axes.set_title(f"Score distribution (PSI {psi:.3f})")
    axes.legend(loc="upper right")
    figure.tight_layout()
    return _png(figure)
