"""Dates cut to month, year or decade, as text ("2023-05", "2023", "2020s").

Date and timestamp columns, and text holding a date that starts with a four-digit year
("2023-05-17", "2023/5/17", "2023年5月17日", "20230517"). Text that does not read as a date
becomes null. Work is done once per distinct value.
"""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from connectors.operators._arrow import is_stringlike, map_unique

DateLevel = Literal["month", "year", "decade"]
DATE_LEVELS: tuple[DateLevel, ...] = ("month", "year", "decade")

_TEXT_DATE = r"^\s*(?P<year>\d{4})(?:\s*[-/.年]?\s*(?P<month>1[0-2]|0?[1-9]))?"


def is_datelike(dtype: pa.DataType) -> bool:
    return pa.types.is_date(dtype) or pa.types.is_timestamp(dtype) or is_stringlike(dtype)


def _cut(distinct: pa.Array, level: DateLevel) -> pa.Array:
    if not is_stringlike(distinct.type):
        distinct = pc.strftime(distinct, format="%Y-%m")
    found = pc.extract_regex(pc.cast(distinct, pa.string()), _TEXT_DATE)
    year = pc.struct_field(found, "year")
    if level == "year":
        return year
    if level == "decade":
        return pc.binary_join_element_wise(pc.utf8_slice_codeunits(year, 0, 3), "0s", "")
    month = pc.struct_field(found, "month")
    month = pc.if_else(pc.equal(month, ""), pa.scalar(None, pa.string()), month)
    return pc.binary_join_element_wise(year, pc.utf8_lpad(month, 2, "0"), "-")


def cut_dates(values: pa.Array, level: DateLevel) -> pa.Array:
    return map_unique(values, lambda distinct: _cut(distinct, level))
