"""`mask`: keep the last `keep_last` characters, replace the others by `*` (length kept).

A value no longer than `keep_last` is masked entirely, so a mask never shows a whole value.
"""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from connectors.operators._arrow import as_text
from connectors.operators.base import Operator, OperatorParams


class MaskParams(OperatorParams):
    keep_last: int = Field(default=4, ge=0, le=64)
    char: str = Field(default="*", min_length=1, max_length=1)


class Mask(Operator[MaskParams]):
    name: ClassVar[str] = "mask"
    params_model: ClassVar[type[OperatorParams]] = MaskParams

    def apply(self, values: pa.Array) -> pa.Array:
        text = as_text(values)
        if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
            text = pc.cast(text, pa.string())
        keep = self.params.keep_last
        length = pc.utf8_length(text)
        short = pc.less_equal(length, keep)
        hidden = pc.if_else(short, length, pc.subtract(length, keep))
        stars = pc.binary_repeat(pa.scalar(self.params.char, text.type), hidden)
        tail = pc.utf8_slice_codeunits(text, start=-keep) if keep else pc.binary_repeat(text, 0)
        shown = pc.if_else(short, pc.binary_repeat(text, 0), tail)
        return pc.binary_join_element_wise(stars, shown, pa.scalar("", text.type))

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return pa.large_string() if pa.types.is_large_string(input_type) else pa.string()
