"""`drop`: the column does not reach the output at all."""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa

from connectors.operators.base import NoParams, Operator, OperatorParams


class Drop(Operator[NoParams]):
    name: ClassVar[str] = "drop"
    params_model: ClassVar[type[OperatorParams]] = NoParams
    drops_column: ClassVar[bool] = True

    def apply(self, values: pa.Array) -> pa.Array:
        """All nulls: what a dropped column would read as, if anything asked."""
        return pa.nulls(len(values), type=pa.null())

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return pa.null()
