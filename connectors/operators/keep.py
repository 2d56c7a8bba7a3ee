"""`keep`: the column unchanged (plain and sensitive columns: the modelling signal)."""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from connectors.operators.base import NoParams, Operator, OperatorParams


class Keep(Operator[NoParams]):
    name: ClassVar[str] = "keep"
    passes_values: ClassVar[bool] = True
    params_model: ClassVar[type[OperatorParams]] = NoParams

    def apply(self, values: pa.Array) -> pa.Array:
        return values

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return input_type
