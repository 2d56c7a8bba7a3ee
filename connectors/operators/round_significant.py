"""`round_significant`: a number rounded to `digits` significant digits (12345.67 -> 12000
with 2), so exact amounts stop singling out a record while their scale stays.

Each coarser level keeps one digit fewer (3 -> 2 -> 1), which k-anonymity can climb. Integer
columns stay integers, other numbers become float64; nulls and NaN stay as they are, zero
stays zero.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from connectors.operators._numbers import is_numeric
from connectors.operators.base import Operator, OperatorParams

MAX_DIGITS = 15


class RoundSignificantParams(OperatorParams):
    digits: int = Field(default=2, ge=1, le=MAX_DIGITS)


def round_significant(data: npt.NDArray[np.float64], digits: int) -> npt.NDArray[np.float64]:
    """`data` (float64) rounded to `digits` significant digits, value by value.

    A scale above one divides by an exact power of ten and multiplies back (12345.67 /
    1000 -> 12 -> 12000), one below multiplies and divides (0.012345 * 1e3 -> 12 -> 0.012):
    each way the power of ten is an exact integer, so the result is the float nearest the
    decimal."""
    out = np.array(data, dtype=np.float64, copy=True)
    finite = np.isfinite(out) & (out != 0)
    values = out[finite]
    exponent = np.floor(np.log10(np.abs(values))).astype(np.int64) - (digits - 1)
    up = exponent > 0
    scale = np.power(10.0, np.abs(exponent))
    rounded = np.where(up, np.round(values / scale) * scale, np.round(values * scale) / scale)
    out[finite] = rounded
    return out


class RoundSignificant(Operator[RoundSignificantParams]):
    name: ClassVar[str] = "round_significant"
    params_model: ClassVar[type[OperatorParams]] = RoundSignificantParams

    @classmethod
    def check_type(cls, input_type: pa.DataType, params: OperatorParams) -> str | None:
        return None if is_numeric(input_type) else f"needs a numeric column, not {input_type}"

    def apply(self, values: pa.Array) -> pa.Array:
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        valid = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
        data = pc.cast(values, pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
        rounded = round_significant(data, self.params.digits)
        changed = valid & (rounded != data) & ~np.isnan(data)
        self.count("cells_rounded", int(changed.sum()))
        out = pa.array(rounded, mask=~valid)
        return out.cast(self.output_type(values.type))

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return input_type if pa.types.is_integer(input_type) else pa.float64()

    def coarser(self) -> RoundSignificantParams | None:
        digits = self.params.digits
        return RoundSignificantParams(digits=digits - 1) if digits > 1 else None
