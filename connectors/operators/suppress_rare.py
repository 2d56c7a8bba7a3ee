"""`suppress_rare`: values seen fewer than `min_count` times in the whole data become null
(or `replacement`, e.g. "other", for text columns).

It needs the value counts of the whole (sampled) column: it counts the batches it `observe`s
in the pipeline's first pass (memory ~ distinct values), or takes `OperatorContext.counts`.
`min_count` defaults to the zone's k.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from connectors.operators._arrow import is_stringlike
from connectors.operators.base import Operator, OperatorContext, OperatorParams


class SuppressRareParams(OperatorParams):
    min_count: int | None = Field(default=None, ge=1)
    replacement: str | None = Field(default=None, max_length=64)


def count_values(values: pa.Array, into: MutableMapping[Any, int]) -> None:
    """Adds the counts of `values` (nulls left out) to `into`: memory ~ distinct values."""
    counted = pc.value_counts(values.drop_null())
    for value, count in zip(
        counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True
    ):
        into[value] = into.get(value, 0) + count


class SuppressRare(Operator[SuppressRareParams]):
    name: ClassVar[str] = "suppress_rare"
    passes_values: ClassVar[bool] = True
    params_model: ClassVar[type[OperatorParams]] = SuppressRareParams
    observes: ClassVar[bool] = True
    single_pass: ClassVar[bool] = False  # what is rare is known only at the end

    def __init__(self, params: SuppressRareParams, context: OperatorContext | None = None) -> None:
        super().__init__(params, context)
        self._counts: dict[Any, int] = dict(self.context.counts or {})
        self._frequent: dict[pa.DataType, pa.Array] | None = None

    def observe(self, values: pa.Array) -> None:
        if self._frequent is not None:
            raise RuntimeError("suppress_rare observes the whole column before applying")
        count_values(values, self._counts)

    def _frequent_values(self, dtype: pa.DataType) -> pa.Array:
        """The values seen at least `min_count` times; any other (even unseen) is rare."""
        if self._frequent is None:
            self._frequent = {}
        if dtype not in self._frequent:
            threshold = self.params.min_count or self.context.k
            frequent = [v for v, n in self._counts.items() if v is not None and n >= threshold]
            self._frequent[dtype] = pa.array(frequent, type=dtype)
        return self._frequent[dtype]

    @classmethod
    def check_type(cls, input_type: pa.DataType, params: OperatorParams) -> str | None:
        assert isinstance(params, SuppressRareParams)
        if params.replacement is not None and not is_stringlike(input_type):
            return f"replacement needs a text column, not {input_type}"
        return None

    def apply(self, values: pa.Array) -> pa.Array:
        if len(values) == 0:
            return values
        frequent = pc.is_in(values, value_set=self._frequent_values(values.type))
        rare = pc.and_(pc.invert(frequent), pc.is_valid(values))
        self.count("suppressed_cells", pc.sum(rare).as_py() or 0)
        replacement = pa.scalar(self.params.replacement, type=values.type)
        return pc.if_else(rare, replacement, values)

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return input_type
