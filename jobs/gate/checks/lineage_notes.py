"""What the lineage of a proved-aggregate output asks a person to look at: the analysis's
own notes (a min or max picks one record's value, ...), and aggregates held as text
(`'n=' || count(*)`). Such text is not rounded (rounding text would mean parsing it, and
`from_count` describes numbers only); the row is still suppressed by the lab's own count,
but an exact count inside the text leaves unrounded, so a reviewer must see it. These
findings never block; they keep the output from leaving without review."""

from __future__ import annotations

import pyarrow as pa

from jobs.gate.model import CheckOutcome, Finding, TableContext
from jobs.gate.registry import table_check


def _numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )


@table_check("lineage_notes", order=18)
def check(ctx: TableContext) -> CheckOutcome:
    if ctx.lineage is None:
        return CheckOutcome()
    findings: list[Finding] = [
        ctx.finding("lineage_note", note, severity="review") for note in ctx.lineage.notes
    ]
    names = ctx.table.column_names
    for column in ctx.lineage.columns:
        if column.position >= len(names) or column.kind != "aggregate":
            continue
        name = names[column.position]
        kind = ctx.table.schema.field(column.position).type
        if name in ctx.count_columns or _numeric(kind):
            continue
        message = (
            f"column {name} ({kind}) is an aggregate held as text: a count in it is not "
            "rounded; check that its exact values may leave"
        )
        findings.append(ctx.finding("count_in_text", message, severity="review", column=name))
    return CheckOutcome(findings)
