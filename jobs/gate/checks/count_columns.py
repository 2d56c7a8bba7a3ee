"""Declared count columns must exist and hold numbers; the gate cannot check them otherwise."""

from __future__ import annotations

import pyarrow as pa

from jobs.gate.model import CheckOutcome, TableContext
from jobs.gate.registry import table_check


@table_check("count_columns", order=20)
def check(ctx: TableContext) -> CheckOutcome:
    findings = []
    for name in ctx.declared_counts or ():
        index = ctx.table.schema.get_field_index(name)
        if index < 0:
            message = f"count column {name} is declared but the output has no such column"
            findings.append(ctx.finding("count_columns", message, column=name))
            continue
        kind = ctx.table.schema.field(index).type
        if not (
            pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
        ):
            message = f"count column {name} holds {kind}, not numbers"
            findings.append(ctx.finding("count_columns", message, column=name, value=str(kind)))
    return CheckOutcome(findings)
