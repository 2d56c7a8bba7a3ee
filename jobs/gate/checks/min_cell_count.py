"""Small counts are suppressed: every count cell below `min_cell_count` becomes null, and each
one is a finding naming its row, column and value (nothing is dropped silently).

Only primary suppression: a suppressed cell that can be recovered from a total or from the
other cells of its row or column (secondary disclosure) is not detected here; the human
review of a release has to look for it."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from jobs.gate.model import CheckOutcome, Finding, TableContext
from jobs.gate.registry import table_check


@table_check("min_cell_count", order=50)
def check(ctx: TableContext) -> CheckOutcome:
    if ctx.table.num_rows > ctx.rules.max_rows:
        return CheckOutcome()  # blocked by max_rows; cell findings would drown the message
    k = ctx.rules.min_cell_count
    table = ctx.table
    findings: list[Finding] = []
    for name in ctx.count_columns:
        index = table.schema.get_field_index(name)
        column = table.column(index)
        small = pc.fill_null(pc.less(column, pa.scalar(k).cast(column.type)), False)
        rows = pc.indices_nonzero(small).to_pylist()
        if not rows:
            continue
        for row in rows:
            value = column[int(row)].as_py()
            message = f"cell (row {row}, column {name}) counts {value} < {k}: suppressed"
            findings.append(
                ctx.finding(
                    "min_cell_count",
                    message,
                    severity="fixed",
                    column=name,
                    row=int(row),
                    value=str(value),
                    outside=f"cell (row {row}, column {name}) counts fewer than {k}: suppressed",
                )
            )
        suppressed = pc.if_else(small, pa.scalar(None, column.type), column)
        table = table.set_column(index, table.field(index), suppressed)
    return CheckOutcome(findings, table if findings else None)
