"""For outputs without lineage (Python, Spark, files): no identifier column leaves the zone,
by the classification its name has in the inputs, or by a name that looks like one. This is
the fallback, not the judge: names are easy to change, so every output that may leave is
also checked by its values (identifier_values, value_overlap, pii_classifier). A
proved-aggregate SQL output is judged by those alone: its lineage says what each column is,
and a name proves nothing either way."""

from __future__ import annotations

from jobs.gate.model import CheckOutcome, TableContext
from jobs.gate.names import identifier_kind
from jobs.gate.registry import table_check

IDENTIFYING_CLASSES = frozenset({"identifier", "direct_identifier", "pii"})


@table_check("identifier_columns", order=30)
def check(ctx: TableContext) -> CheckOutcome:
    if ctx.rules.identifier_columns_allowed or ctx.lineage is not None:
        return CheckOutcome()
    findings = []
    for name in ctx.table.column_names:
        klass = ctx.column_classes.get(name)
        if klass is not None and klass.lower() in IDENTIFYING_CLASSES:
            message = (
                f"column {name} is classified {klass}: identifier columns may not leave the "
                "zone; drop it or aggregate over it"
            )
            findings.append(ctx.finding("identifier_column", message, column=name, value=klass))
            continue
        what = identifier_kind(name)
        if what is not None and name not in ctx.count_columns:
            message = (
                f"column {name} looks like {what} by its name: identifier columns may not "
                "leave the zone; drop it, or rename it if it holds no identifier"
            )
            findings.append(ctx.finding("identifier_column", message, column=name, value=name))
    return CheckOutcome(findings)
