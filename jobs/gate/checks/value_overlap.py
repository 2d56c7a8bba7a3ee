"""An output column whose values are the values of an input identifier column (or of an
input's entity key) is an identifier column, whatever it is called: `SELECT name AS label`,
a CTE, a join that launders the column through another table, a Python job writing the same
table. The threshold and the lookup live in `jobs.gate.probe`.

Which columns are looked up: every text column; a numeric column unless it is a count (its
lineage says so, or, without lineage, its name), and, for a proved-aggregate output, only
when its lineage sources include an identifier (a sum of sales that happens to equal some
surrogate keys is not one). A match against a dense run of numbers (a surrogate key 1..N
that any small integer hits) blocks only when the lineage shows the column comes from that
key; otherwise it asks for review. The finding names the input column and how much of the
output column it covers, never a value.
"""

from __future__ import annotations

import pyarrow as pa

from jobs.gate.model import CheckOutcome, Finding, TableContext
from jobs.gate.probe import Match, is_text
from jobs.gate.registry import table_check


def _numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )


def _sources(ctx: TableContext) -> dict[str, tuple[str, ...]]:
    if ctx.lineage is None:
        return {}
    names = ctx.table.column_names
    return {names[c.position]: c.sources for c in ctx.lineage.columns if c.position < len(names)}


@table_check("value_overlap", order=45)
def check(ctx: TableContext) -> CheckOutcome:
    probe = ctx.probe
    if probe is None or ctx.rules.identifier_columns_allowed:
        return CheckOutcome()
    if ctx.table.num_rows == 0 or ctx.table.num_rows > ctx.rules.max_rows:
        return CheckOutcome()
    sources = _sources(ctx)
    candidates: dict[str, pa.ChunkedArray] = {}
    for field in ctx.table.schema:
        number = _numeric(field.type) and field.name not in ctx.count_columns
        traced = ctx.lineage is None or any(probe.identifies(s) for s in sources[field.name])
        if is_text(field.type) or (number and traced):
            candidates[field.name] = ctx.table.column(field.name)
    findings: list[Finding] = []
    for name, matches in probe.lookup(candidates).items():
        text = is_text(ctx.table.schema.field(name).type)
        best = next((m for m in matches if m.substantial(text=text)), None)
        if best is not None:
            findings.append(_finding(ctx, name, best, sources.get(name, ())))
    return CheckOutcome(findings)


def _finding(ctx: TableContext, name: str, match: Match, sources: tuple[str, ...]) -> Finding:
    source = match.source
    covered = (
        f"column {name}: {match.share:.0%} of its {match.distinct:,} distinct values are "
        f"values of {source.label} ({source.why})"
    )
    if match.dense and source.label not in sources:
        message = (
            f"{covered}, but that column is a dense run of numbers that small integers hit "
            "by chance; check that it holds no identifier"
        )
        return ctx.finding("identifier_overlap", message, severity="review", column=name)
    message = f"{covered}: identifier columns may not leave the zone; drop it or aggregate over it"
    return ctx.finding("identifier_overlap", message, column=name)
