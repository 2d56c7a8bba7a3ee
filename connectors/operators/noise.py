"""`noise`: a number moved by a keyed, bounded random amount, so an exact figure known from
elsewhere no longer matches the stored one.

- `mode: multiplicative` (default): value * (1 + u * scale), e.g. scale 0.05 moves each value
  by up to 5% of itself (the sign and order of magnitude stay);
- `mode: additive`: value + u * scale, scale in the column's unit;
with u in [-1, 1) drawn uniformly.

u is not drawn afresh for every cell: it is the HMAC-SHA256, under a key derived from the
tenant's pseudonym key, of the value's text. The same value always gets the same noise,
in every batch, every import and every dataset of the tenant. Fresh noise per cell would
let anyone average it away: a merchant's 40 rows with the same sales, or the same file
imported twice, give the true value back as the mean of its noisy copies. Keyed noise
gives nothing to average and cannot be recomputed without the tenant's key. The derived
key (`noise/v1` under the pseudonym key) keeps noise draws and pseudonyms unrelated.

What noise does not do: equal values stay equal and distinct values stay distinct, so a
record unique on its exact amount is still unique on its noisy amount; noise defeats exact
matching, rounding or banding reduce uniqueness. Integer columns are rounded back to
integers; others become float64; nulls stay null.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from connectors.operators._arrow import DistinctMapper
from connectors.operators._keyed import hmac_sha256_rows
from connectors.operators._numbers import is_numeric
from connectors.operators.base import KeyName, Operator, OperatorContext, OperatorParams

NOISE_KEY_LABEL = b"noise/v1"


class NoiseParams(OperatorParams):
    mode: Literal["multiplicative", "additive"] = "multiplicative"
    scale: float = Field(gt=0, le=1e12)


def uniform_draws(key: bytes, values: pa.Array) -> npt.NDArray[np.float64]:
    """One number in [-1, 1) per value (no nulls), fixed by the key and the value's text."""
    digests = hmac_sha256_rows(key, values)[:, :8]
    words = digests.copy().view(">u8").reshape(-1)
    return (words >> np.uint64(11)).astype(np.float64) / float(1 << 52) - 1.0


class Noise(Operator[NoiseParams]):
    name: ClassVar[str] = "noise"
    params_model: ClassVar[type[OperatorParams]] = NoiseParams
    key: ClassVar[KeyName | None] = "pseudonym"

    def __init__(self, params: NoiseParams, context: OperatorContext | None = None) -> None:
        super().__init__(params, context)
        self._key = hmac.new(self.key_bytes(), NOISE_KEY_LABEL, hashlib.sha256).digest()
        self._mapper = DistinctMapper(self._noisy)

    @classmethod
    def check_type(cls, input_type: pa.DataType, params: OperatorParams) -> str | None:
        return None if is_numeric(input_type) else f"needs a numeric column, not {input_type}"

    def _noisy(self, distinct: pa.Array) -> pa.Array:
        data = pc.cast(distinct, pa.float64()).to_numpy(zero_copy_only=False)
        u = uniform_draws(self._key, distinct)
        if self.params.mode == "multiplicative":
            moved = data * (1.0 + u * self.params.scale)
        else:
            moved = data + u * self.params.scale
        if pa.types.is_integer(distinct.type):
            return pa.array(np.round(moved)).cast(pa.int64())
        return pa.array(moved, pa.float64())

    def apply(self, values: pa.Array) -> pa.Array:
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        out = self._mapper(values)
        self.count("cells_noised", len(values) - values.null_count)
        return out.cast(self.output_type(values.type))

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return input_type if pa.types.is_integer(input_type) else pa.float64()
