"""Which columns of an output hold counts, for min_cell_count and rounding.

With lineage (a proved-aggregate SQL output): every numeric column the lineage says is
derived from counts only (`from_count`), in any numeric type (`count(*)::DOUBLE`, a count
times 1.0), plus the declared ones. Names play no part.

Without lineage (Python and Spark outputs, files), the fallback rule:
1. every column the caller declares (`count_columns`: from the job spec's output, and for SQL
   jobs the integer columns the outermost SELECT computes with COUNT/SUM-like aggregates,
   `SqlResult.count_columns`), when it holds numbers; and
2. every integer column whose name says it is a count: n, count, cnt, num, freq, num_*, n_*,
   count_*, *_count, *_cnt, *_n, *_num (and 人数, 数量, 计数, 个数, 户数, 笔数, 频数).
Declaring adds to the detected ones, it never removes one. Integer-valued decimals (DuckDB's
SUM of integers is a HUGEINT, a decimal(38, 0) in Arrow) are made int64 so they can be
suppressed and rounded like any count.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from jobs.gate.names import looks_like_count
from jobs.lineage import QueryLineage


def _numeric(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    )


def _integral(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or (pa.types.is_decimal(kind) and kind.scale == 0))


def count_columns(table: pa.Table, declared: Sequence[str] | None) -> tuple[str, ...]:
    chosen: list[str] = []
    wanted = set(declared or ())
    for field in table.schema:
        declared_here = field.name in wanted and _numeric(field.type)
        if declared_here or (looks_like_count(field.name) and _integral(field.type)):
            chosen.append(field.name)
    return tuple(chosen)


def lineage_counts(
    table: pa.Table, lineage: QueryLineage, declared: Sequence[str] | None
) -> tuple[str, ...]:
    """The numeric from_count columns (by position) and the declared numeric ones."""
    positions = {c.position for c in lineage.columns if c.from_count}
    wanted = set(declared or ())
    return tuple(
        field.name
        for index, field in enumerate(table.schema)
        if _numeric(field.type) and (index in positions or field.name in wanted)
    )


def as_counts(table: pa.Table, columns: Sequence[str]) -> pa.Table:
    """`table` with its decimal count columns as int64 (float64 if they do not fit)."""
    for name in columns:
        index = table.schema.get_field_index(name)
        kind = table.schema.field(index).type
        if not pa.types.is_decimal(kind):
            continue
        column = table.column(index)
        try:
            converted = (
                pc.cast(column, pa.int64()) if kind.scale == 0 else pc.cast(column, pa.float64())
            )
        except pa.ArrowInvalid:
            converted = pc.cast(column, pa.float64())
        table = table.set_column(index, pa.field(name, converted.type), converted)
    return table
