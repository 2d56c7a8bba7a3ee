"""A plan with a recommended spec fragment applied: the columns it names get its operators,
validated as the spec's own overrides are (parameters, and the column's type)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from connectors.errors import SpecError
from connectors.operators.registry import get_operator, parse_params
from connectors.report import ImportPlan


def apply_columns(
    plan: ImportPlan, columns: Mapping[str, Mapping[str, Any]], schema: pa.Schema, *, why: str
) -> ImportPlan:
    """`plan` with each column in `columns` ({operator, params}) set to that operator."""
    replaced = []
    for column in plan.columns:
        override = columns.get(column.column)
        if override is None:
            replaced.append(column)
            continue
        operator = str(override["operator"])
        where = f"columns.{column.column}.params"
        params = parse_params(operator, override.get("params"), where=where, column=column.column)
        problem = get_operator(operator).check_type(schema.field(column.column).type, params)
        if problem:
            raise SpecError(f"columns.{column.column}: {operator}: {problem}", column=column.column)
        dumped = params.model_dump(mode="json", exclude_none=True)
        replaced.append(
            dataclasses.replace(
                column,
                operator=operator,
                params=dumped,
                chosen="override",
                reason=f"{why}: {operator} {json.dumps(dumped, ensure_ascii=False)}",
            )
        )
    return dataclasses.replace(plan, columns=tuple(replaced))
