"""Counts are rounded to the nearest `rounding` (halves up) after suppression; one finding per
column says how many cells changed."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from jobs.gate.model import CheckOutcome, Finding, TableContext
from jobs.gate.registry import table_check


def round_to(column: pa.ChunkedArray, base: int) -> pa.ChunkedArray:
    scaled = pc.round(pc.divide(pc.cast(column, pa.float64()), float(base)), round_mode="half_up")
    rounded = pc.multiply(scaled, float(base))
    return pc.cast(rounded, column.type)


@table_check("rounding", order=60)
def check(ctx: TableContext) -> CheckOutcome:
    base = ctx.rules.rounding
    if base <= 1 or ctx.table.num_rows > ctx.rules.max_rows:
        return CheckOutcome()
    table = ctx.table
    findings: list[Finding] = []
    for name in ctx.count_columns:
        index = table.schema.get_field_index(name)
        column = table.column(index)
        rounded = round_to(column, base)
        changed = (
            pc.sum(
                pc.fill_null(
                    pc.not_equal(pc.cast(column, pa.float64()), pc.cast(rounded, pa.float64())),
                    False,
                )
            ).as_py()
            or 0
        )
        if not changed:
            continue
        message = f"{changed} cell(s) of column {name} rounded to the nearest {base}"
        findings.append(
            ctx.finding("rounding", message, severity="fixed", column=name, value=str(changed))
        )
        table = table.set_column(index, table.field(index), rounded)
    return CheckOutcome(findings, table if findings else None)
