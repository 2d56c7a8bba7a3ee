"""Text columns the import's own PII classifier (connectors.pii) calls `identifier` are
blocked, whatever they are called: the classifier runs on a sample of the column's distinct
values under a neutral name, so it judges the values (ID numbers, phones, cards, names,
organization names, full addresses, free text holding any of them), not the header. The
finding names the entity and the classifier's evidence, never a value."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from connectors.pii.classify import classify_column
from jobs.gate.model import CheckOutcome, Finding, TableContext
from jobs.gate.probe import is_text
from jobs.gate.registry import table_check

SAMPLE_VALUES = 200
"""Distinct values classified per column: the classifier decides on shares, and a few
hundred values give a share as well as the whole column would."""
NEUTRAL_NAME = "value"


@table_check("pii_classifier", order=47)
def check(ctx: TableContext) -> CheckOutcome:
    if ctx.rules.identifier_columns_allowed:
        return CheckOutcome()
    if ctx.table.num_rows == 0 or ctx.table.num_rows > ctx.rules.max_rows:
        return CheckOutcome()
    findings: list[Finding] = []
    for field in ctx.table.schema:
        if not is_text(field.type):
            continue
        values = pc.drop_null(pc.unique(ctx.table.column(field.name)))
        if not len(values):
            continue
        sample = values.slice(0, SAMPLE_VALUES).cast(pa.string())
        verdict = classify_column(NEUTRAL_NAME, sample)
        if verdict.classification != "identifier":
            continue
        message = (
            f"column {field.name}: the PII classifier calls it an identifier column "
            f"({verdict.entity}: {verdict.evidence}); identifier columns may not leave the zone"
        )
        findings.append(
            ctx.finding("pii_classifier", message, column=field.name, value=verdict.entity)
        )
    return CheckOutcome(findings)
