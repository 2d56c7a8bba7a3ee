"""The one gate every output crosses on its way out of a job: `check_output`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa

from jobs.gate.counts import as_counts, count_columns
from jobs.gate.model import (
    SENSITIVITIES,
    FileContext,
    Finding,
    GateResult,
    GateRules,
    TableContext,
)
from jobs.gate.registry import file_checks, table_checks


def check_output(
    name: str,
    sensitivity: str,
    *,
    table: pa.Table | None = None,
    file: Path | None = None,
    column_classes: Mapping[str, str] | None = None,
    rules: GateRules,
    count_columns: Sequence[str] | None = None,
) -> GateResult:
    """Check one output (a table, or a file) against the zone's disclosure rules.

    highly_sensitive outputs never leave the zone. moderately_sensitive ones pass the
    registered checks; `allowed` is False when any finding blocks, and `table` is then None.
    Suppressions and roundings are findings too (severity "fixed"), and `table` carries them.
    """
    if (table is None) == (file is None):
        raise ValueError("check_output needs exactly one of table or file")
    where = f"output {name}" if file is None else f"{file.name} (output {name})"
    if sensitivity not in SENSITIVITIES:
        expected = ", ".join(SENSITIVITIES)
        message = f"{where}: unknown sensitivity {sensitivity!r} (expected one of {expected})"
        return _blocked(
            name, Finding(name, "sensitivity", None, None, sensitivity, message, "block")
        )
    if sensitivity == "highly_sensitive":
        message = (
            f"{where} is highly_sensitive: it stays in the zone (kept there as a dataset) "
            "and never leaves it"
        )
        return _blocked(
            name, Finding(name, "sensitivity", None, None, sensitivity, message, "block")
        )
    findings: list[Finding] = []
    if file is not None:
        table = _check_file(FileContext(name, where, file, rules), findings)
        if table is None:
            return GateResult(name, not _blocks(findings), findings, None)
    assert table is not None
    table = _check_table(table, where, name, rules, column_classes or {}, count_columns, findings)
    allowed = not _blocks(findings)
    return GateResult(name, allowed, findings, table if allowed else None)


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


def _check_table(
    table: pa.Table,
    where: str,
    name: str,
    rules: GateRules,
    column_classes: Mapping[str, str],
    declared: Sequence[str] | None,
    findings: list[Finding],
) -> pa.Table:
    counts = count_columns(table, declared)
    ctx = TableContext(
        output=name,
        where=where,
        table=as_counts(table, counts),
        rules=rules,
        column_classes=column_classes,
        declared_counts=tuple(declared) if declared is not None else None,
        count_columns=counts,
    )
    for check in table_checks():
        outcome = check.run(ctx)
        findings.extend(outcome.findings)
        if outcome.table is not None:
            ctx = TableContext(**{**ctx.__dict__, "table": outcome.table})
    return ctx.table


def _blocks(findings: list[Finding]) -> bool:
    return any(f.severity == "block" for f in findings)


def _blocked(name: str, finding: Finding) -> GateResult:
    return GateResult(name, False, [finding], None)
