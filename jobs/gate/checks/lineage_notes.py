"""What the lineage of a proved-aggregate output asks a person to look at: the analysis's
own notes (a min or max picks one record's value, ...), and text columns that embed a count
(`'n=' || count(*)`). Such text is not rounded (rounding text would mean parsing it); the
row is still suppressed by the lab's own count, but the exact count inside the text leaves
unrounded, so a reviewer must see it. These findings never block; they keep the output from
leaving without review."""

from __future__ import annotations

from jobs.gate.model import CheckOutcome, Finding, TableContext
from jobs.gate.registry import table_check


@table_check("lineage_notes", order=18)
def check(ctx: TableContext) -> CheckOutcome:
    if ctx.lineage is None:
        return CheckOutcome()
    findings: list[Finding] = [
        ctx.finding("lineage_note", note, severity="review") for note in ctx.lineage.notes
    ]
    names = ctx.table.column_names
    for column in ctx.lineage.columns:
        if not column.from_count or column.position >= len(names):
            continue
        name = names[column.position]
        if name in ctx.count_columns:
            continue
        kind = ctx.table.schema.field(column.position).type
        message = (
            f"column {name} ({kind}) embeds a count but is not a number: it is not rounded; "
            "check that its exact counts may leave"
        )
        findings.append(ctx.finding("count_in_text", message, severity="review", column=name))
    return CheckOutcome(findings)
