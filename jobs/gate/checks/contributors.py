"""Suppression by the lab's own count: a row of a proved-aggregate output that stands for
fewer than `min_cell_count` input rows, or (where the inputs name an entity key) fewer
distinct entities, is removed whole.

The lab counts the contributors itself (the query rewritten to carry a hidden count), so
what the user's columns hold, are called or typed does not matter: `count(*)::DOUBLE`,
`'n=' || count(*)` or no count at all. The whole row goes, not just a cell: its group key
says as much as its count (a row "Hangzhou, merchant X" is a disclosure with its count
hidden). A merchant seen in 40 rows is one entity: with an entity key, both counts must
reach the threshold. Each suppressed row is one finding that names the row and the rule,
never the count (the count itself would tell how few).

Row numbers in these findings are those of the output as the query returned it; findings of
later checks count rows of the output after suppression.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from jobs.gate.model import CheckOutcome, Finding, TableContext
from jobs.gate.registry import table_check


def _below(contributors: pa.Table, column: str, k: int) -> pa.ChunkedArray:
    counts = contributors.column(column)
    return pc.fill_null(pc.less(counts, pa.scalar(k, counts.type)), True)


@table_check("contributors", order=15)
def check(ctx: TableContext) -> CheckOutcome:
    if ctx.lineage is None or ctx.contributors is None:
        return CheckOutcome()
    if ctx.table.num_rows > ctx.rules.max_rows:
        return CheckOutcome()  # blocked by max_rows
    k = ctx.rules.min_cell_count
    small = _below(ctx.contributors, "rows", k)
    counted = "input rows"
    if "entities" in ctx.contributors.column_names:
        small = pc.or_(small, _below(ctx.contributors, "entities", k))
        counted = "input rows or distinct entities"
    rows = pc.indices_nonzero(small).to_pylist()
    if not rows:
        return CheckOutcome()
    findings: list[Finding] = [
        ctx.finding(
            "min_cell_count",
            f"row {row} stands for fewer than {k} {counted} (the lab's own count): the row "
            "is suppressed, group key and all",
            severity="fixed",
            row=int(row),
        )
        for row in rows
    ]
    return CheckOutcome(findings, ctx.table.filter(pc.invert(small)))
