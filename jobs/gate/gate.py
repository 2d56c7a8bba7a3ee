"""The one gate every output crosses on its way out of a job: `check_output`.

What an output is decides how it is checked. A SQL output comes with the query's lineage:
row-level (the analysis could not prove every column a group key or an aggregate) stops
here, blocked, with the lineage's reasons; proved aggregate, its rows are suppressed by the
lab's own contributor counts and its count-derived columns rounded, whatever they are called
or typed. An output without lineage (Python, Spark, files) is unproven: its counts are found
by name as a fallback, and it can at best go to review. Every output that may leave passes
the value checks (identifier values, overlap with input identifiers, the PII classifier).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from jobs.gate.counts import as_counts, count_columns, lineage_counts
from jobs.gate.model import (
    SENSITIVITIES,
    FileContext,
    Finding,
    GateResult,
    GateRules,
    LineageVerdict,
    TableContext,
)
from jobs.gate.probe import InputProbe
from jobs.gate.registry import file_checks, table_checks
from jobs.lineage import QueryLineage


def check_output(
    name: str,
    sensitivity: str,
    *,
    table: pa.Table | None = None,
    file: Path | None = None,
    column_classes: Mapping[str, str] | None = None,
    rules: GateRules,
    count_columns: Sequence[str] | None = None,
    lineage: QueryLineage | None = None,
    contributors: pa.Table | None = None,
    probe: InputProbe | None = None,
) -> GateResult:
    """Check one output (a table, or a file) against the zone's disclosure rules.

    highly_sensitive outputs never leave the zone. moderately_sensitive ones pass the
    registered checks; `allowed` is False when any finding blocks, and `table` is then None.
    Suppressions and roundings are findings too (severity "fixed"), and `table` carries them.

    `lineage` is the SQL query's (None for Python and Spark outputs), `contributors` the
    lab's own count of input rows and entities behind each output row (aligned with `table`),
    `probe` the job's inputs for the value checks.
    """
    if (table is None) == (file is None):
        raise ValueError("check_output needs exactly one of table or file")
    if file is not None:
        lineage, contributors = None, None  # a file's content has no SQL lineage
    verdict: LineageVerdict = "unproven"
    if lineage is not None:
        verdict = "aggregate" if lineage.aggregate else "row_level"
    where = f"output {name}" if file is None else f"{file.name} (output {name})"
    if sensitivity not in SENSITIVITIES:
        expected = ", ".join(SENSITIVITIES)
        message = f"{where}: unknown sensitivity {sensitivity!r} (expected one of {expected})"
        return _blocked(
            name, Finding(name, "sensitivity", None, None, sensitivity, message, "block"), verdict
        )
    if sensitivity == "highly_sensitive":
        message = (
            f"{where} is highly_sensitive: it stays in the zone (kept there as a dataset) "
            "and never leaves it"
        )
        return _blocked(
            name, Finding(name, "sensitivity", None, None, sensitivity, message, "block"), verdict
        )
    findings: list[Finding] = []
    if verdict == "row_level":
        assert lineage is not None
        return GateResult(name, False, _row_level(name, where, lineage), None, verdict)
    if verdict == "aggregate" and not _counted(table, contributors):
        message = (
            f"{where}: the query is aggregate but the lab has no contributor count for its "
            "rows; it is checked like an output without lineage and needs review"
        )
        findings.append(Finding(name, "contributors", None, None, None, message, "review"))
        verdict, lineage, contributors = "unproven", None, None
    if file is not None:
        table = _check_file(FileContext(name, where, file, rules), findings)
        if table is None:
            return GateResult(name, not _blocks(findings), findings, None, verdict)
    assert table is not None
    ctx = _context(table, where, name, rules, column_classes or {}, count_columns, lineage)
    ctx = TableContext(**{**ctx.__dict__, "contributors": contributors, "probe": probe})
    table = _check_table(ctx, findings)
    allowed = not _blocks(findings)
    return GateResult(name, allowed, findings, table if allowed else None, verdict)


def _counted(table: pa.Table | None, contributors: pa.Table | None) -> bool:
    return (
        table is not None
        and contributors is not None
        and contributors.num_rows == table.num_rows
        and "rows" in contributors.column_names
    )


def _row_level(name: str, where: str, lineage: QueryLineage) -> list[Finding]:
    """One blocking finding per row-level column, with the lineage's reason; one for the
    query when the analysis gave up before naming columns."""
    findings = [
        Finding(
            name,
            "row_level",
            column.name,
            None,
            None,
            f"{where}: column {column.name} is row-level: {column.reason}; row-level data "
            "stays in the zone",
            "block",
        )
        for column in lineage.row_level_columns()
    ]
    if not findings:
        message = f"{where}: the query is not provably aggregate: {lineage.reason}"
        findings.append(Finding(name, "row_level", None, None, None, message, "block"))
    return findings


def _check_file(ctx: FileContext, findings: list[Finding]) -> pa.Table | None:
    """Run the file checks in order, stopping at the first that blocks (no point reading a
    file of the wrong type or size); the table a csv or parquet file holds, if any."""
    table = None
    for check in file_checks():
        outcome = check.run(ctx)
        findings.extend(outcome.findings)
        if _blocks(outcome.findings):
            return None
        table = outcome.table if outcome.table is not None else table
    return table


def _context(
    table: pa.Table,
    where: str,
    name: str,
    rules: GateRules,
    column_classes: Mapping[str, str],
    declared: Sequence[str] | None,
    lineage: QueryLineage | None,
) -> TableContext:
    """Counts by lineage for a proved-aggregate output (its from_count columns, plus the
    declared ones), by name otherwise (the fallback for outputs without lineage)."""
    if lineage is not None:
        counts = lineage_counts(table, lineage, declared)
    else:
        counts = count_columns(table, declared)
    return TableContext(
        output=name,
        where=where,
        table=as_counts(table, counts),
        rules=rules,
        column_classes=column_classes,
        declared_counts=tuple(declared) if declared is not None else None,
        count_columns=counts,
        lineage=lineage,
    )


def _check_table(ctx: TableContext, findings: list[Finding]) -> pa.Table:
    for check in table_checks():
        outcome = check.run(ctx)
        findings.extend(outcome.findings)
        if outcome.table is not None:
            ctx = TableContext(**{**ctx.__dict__, "table": outcome.table})
    return ctx.table


def _blocks(findings: list[Finding]) -> bool:
    return any(f.severity == "block" for f in findings)


def _blocked(name: str, finding: Finding, verdict: LineageVerdict) -> GateResult:
    return GateResult(name, False, [finding], None, verdict)
