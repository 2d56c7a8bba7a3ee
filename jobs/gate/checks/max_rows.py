"""An output may have at most `max_rows` rows: beyond that it is row-level data, not a result."""

from __future__ import annotations

from jobs.gate.model import CheckOutcome, TableContext
from jobs.gate.registry import table_check


@table_check("max_rows", order=10)
def check(ctx: TableContext) -> CheckOutcome:
    rows = ctx.table.num_rows
    if rows <= ctx.rules.max_rows:
        return CheckOutcome()
    message = (
        f"{rows} rows, more than the {ctx.rules.max_rows} an output may have; aggregate "
        "further (cell-level checks run once it fits)"
    )
    return CheckOutcome([ctx.finding("max_rows", message, value=str(rows))])
