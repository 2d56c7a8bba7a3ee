"""`top_bottom_code`: values above `upper` become `upper`, values below `lower` become
`lower` (top and bottom coding), so the few largest and smallest amounts, the ones that
single a business out, join the crowd at the bound.

The bounds are explicit in the spec, not computed while importing: a bound is then part of
the reviewed spec and lineage, the operator needs no observing pass, and every batch is
coded the same way. The re-identification recommender fills them in from the sample's
quantiles (say p1 and p99), rounded to two significant digits so that no single sampled
value is written into a spec. Integer columns take the bounds rounded inwards (a bound of
9.5 codes an integer column at 9).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import model_validator

from connectors.operators._numbers import is_numeric
from connectors.operators.base import Operator, OperatorParams


class TopBottomCodeParams(OperatorParams):
    lower: float | None = None
    upper: float | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> TopBottomCodeParams:
        if self.lower is None and self.upper is None:
            raise ValueError("give lower, upper or both")
        for bound in (self.lower, self.upper):
            if bound is not None and not math.isfinite(bound):
                raise ValueError("bounds must be finite numbers")
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValueError("lower must be below upper")
        return self


class TopBottomCode(Operator[TopBottomCodeParams]):
    name: ClassVar[str] = "top_bottom_code"
    params_model: ClassVar[type[OperatorParams]] = TopBottomCodeParams

    @classmethod
    def check_type(cls, input_type: pa.DataType, params: OperatorParams) -> str | None:
        return None if is_numeric(input_type) else f"needs a numeric column, not {input_type}"

    def apply(self, values: pa.Array) -> pa.Array:
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        out_type = self.output_type(values.type)
        valid = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
        data: npt.NDArray[np.float64] | npt.NDArray[np.int64]
        if pa.types.is_integer(values.type):  # int64 throughout: no float rounding of big ints
            data = pc.cast(values, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
            lower: float | None = (
                None if self.params.lower is None else math.ceil(self.params.lower)
            )
            upper: float | None = (
                None if self.params.upper is None else math.floor(self.params.upper)
            )
        else:
            data = pc.cast(values, pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
            lower, upper = self.params.lower, self.params.upper
        above = valid & (data > upper) if upper is not None else np.zeros(len(data), bool)
        below = valid & (data < lower) if lower is not None else np.zeros(len(data), bool)
        self.count("cells_top_coded", int(above.sum()))
        self.count("cells_bottom_coded", int(below.sum()))
        if not (above.any() or below.any()):
            return values.cast(out_type)
        coded = data.copy()
        if upper is not None:
            coded[above] = upper
        if lower is not None:
            coded[below] = lower
        return pa.array(coded, mask=~valid).cast(out_type)

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return input_type if pa.types.is_integer(input_type) else pa.float64()
