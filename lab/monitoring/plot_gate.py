"""A monitoring run's plots cross the disclosure gate before they are drawn.

A plot is a picture of aggregates over the data owner's full production data, and only
checked aggregates leave the production zone: each plot's figures are made a table
(`jobs.models.monitoring.psi_table`, `score_table`, with production's record counts as the
count column), the table passes `check_output` under the zone's disclosure rules as every
job output does, and the plot is drawn from the gated table alone. Suppressed and rounded
cells are the gate's findings ("fixed"); a suppressed cell is drawn empty and marked.

A plot is withheld, not drawn, when the gate blocks its table, or when the gate suppressed
every count the plot rests on (there would be nothing of production to show). The run still
succeeds; what the run records of each plot (`PlotGate.entry`) is safe to show outside the
zone: which rule touched which cell (row, column, bin or feature), never a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from jobs.gate import Finding, GateResult, check_output
from jobs.models.monitoring import (
    COUNT_COLUMN,
    MonitoringResult,
    Thresholds,
    psi_png,
    psi_table,
    score_distribution_png,
    score_table,
    suppressed_rows,
)
from lab.runs.outputs import gate_rules
from lab.zones.rules import ZoneRules

SENSITIVITY = "moderately_sensitive"
LABELS = {"psi": "feature", "score_distribution": "bin"}
"""The column that names each row of a plot's table (a feature, a score bin)."""


@dataclass(frozen=True)
class PlotGate:
    """One plot's table, the gate's result on it, and the PNG drawn from what it let
    through, or why the plot was withheld (None when drawn)."""

    name: str
    table: pa.Table
    gate: GateResult
    png: bytes | None
    withheld: str | None

    @property
    def drawn(self) -> bool:
        return self.png is not None

    def entry(self, rules: ZoneRules) -> dict[str, Any]:
        """What the run records of this plot: drawn or withheld and why, and each finding
        by rule and cell, without its value."""
        labels = [str(v) for v in self.table.column(LABELS[self.name]).to_pylist()]
        return {
            "plot": self.name,
            "drawn": self.drawn,
            "withheld": self.withheld,
            "findings": [_safe(f, labels, rules) for f in self.gate.findings],
        }


def gate_plots(
    result: MonitoringResult, thresholds: Thresholds, rules: ZoneRules
) -> list[PlotGate]:
    """Each plot of the run gated and, unless withheld, drawn from its gated table."""
    tables = {"psi": psi_table(result)}
    if result.score is not None:
        tables["score_distribution"] = score_table(result.score)
    plots = []
    for name, table in tables.items():
        gate = check_output(name, SENSITIVITY, table=table, rules=gate_rules(rules),
                            count_columns=[COUNT_COLUMN])  # fmt: skip
        withheld = _withheld(gate, rules)
        png = None
        if withheld is None:
            assert gate.table is not None  # allowed
            png = _draw(name, gate.table, result, thresholds)
        plots.append(PlotGate(name, table, gate, png, withheld))
    return plots


def _withheld(gate: GateResult, rules: ZoneRules) -> str | None:
    if not gate.allowed or gate.table is None:
        blocking = sorted({f.rule for f in gate.findings if f.severity == "block"})
        return f"the disclosure gate blocked its figures ({', '.join(blocking) or 'blocked'})"
    if all(suppressed_rows(gate.table)):
        return (
            "the disclosure gate suppressed every production count it rests on (each under "
            f"the zone's minimum cell count of {rules.disclosure.min_cell_count})"
        )
    return None


def _draw(name: str, table: pa.Table, result: MonitoringResult, thresholds: Thresholds) -> bytes:
    if name == "psi":
        return psi_png(table, status=result.status, thresholds=thresholds)
    assert result.score is not None
    return score_distribution_png(table, name=result.score.name, psi=result.score.psi)


def _safe(finding: Finding, labels: list[str], rules: ZoneRules) -> dict[str, Any]:
    """A finding as the run shows it: rule, severity, cell and a message of our own (the
    gate's messages may quote a count, and production holds its owner's full data)."""
    row = finding.row
    label = labels[row] if row is not None and 0 <= row < len(labels) else None
    if finding.rule == "min_cell_count":
        message = (
            f"{label}: fewer production records than the zone's minimum cell count of "
            f"{rules.disclosure.min_cell_count}; suppressed"
        )
    elif finding.rule == "rounding":
        message = f"production counts rounded to the nearest {rules.disclosure.rounding}"
    else:
        what = {"block": "blocked", "fixed": "changed", "review": "flagged"}[finding.severity]
        where = f" (column {finding.column})" if finding.column else ""
        message = f"the gate's {finding.rule} check {what} the figures{where}"
    return {
        "rule": finding.rule,
        "severity": finding.severity,
        "column": finding.column,
        "row": row,
        "label": label,
        "message": message,
    }
