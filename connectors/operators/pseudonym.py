"""`pseudonym`: a keyed pseudonym, HMAC-SHA256 under the tenant's pseudonym key.

The same value gives the same pseudonym within a tenant (joins keep working across its
datasets and zones); without the key nobody can compute or reverse one. Output: `prefix` then
the first 16 bytes of the HMAC in lower-case hex (32 characters) or base32 (26 characters).
Integers and strings with the same text give the same pseudonym (`123` and `"123"`).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import pyarrow as pa
from pydantic import Field

from connectors.operators._arrow import DistinctMapper, base32_rows, strings_from_rows
from connectors.operators._arrow import with_prefix as _with_prefix
from connectors.operators._keyed import hmac_sha256_hex_rows, hmac_sha256_rows
from connectors.operators.base import KeyName, Operator, OperatorContext, OperatorParams

PSEUDONYM_BYTES = 16


class PseudonymParams(OperatorParams):
    prefix: str = Field(default="p_", max_length=16, pattern=r"^[A-Za-z0-9_.:-]*$")
    encoding: Literal["hex", "base32"] = "hex"


class Pseudonym(Operator[PseudonymParams]):
    name: ClassVar[str] = "pseudonym"
    params_model: ClassVar[type[OperatorParams]] = PseudonymParams
    key: ClassVar[KeyName | None] = "pseudonym"

    def __init__(self, params: PseudonymParams, context: OperatorContext | None = None) -> None:
        super().__init__(params, context)
        self._mapper = DistinctMapper(self._pseudonyms)

    def apply(self, values: pa.Array) -> pa.Array:
        return self._mapper(values)

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return pa.string()

    def _pseudonyms(self, distinct: pa.Array) -> pa.Array:
        prefix = self.params.prefix.encode("ascii")
        if self.params.encoding == "hex":  # the text made in the digests' loop
            rows = hmac_sha256_hex_rows(self.key_bytes(), distinct, prefix, PSEUDONYM_BYTES)
            return strings_from_rows(rows)
        digests = hmac_sha256_rows(self.key_bytes(), distinct)[:, :PSEUDONYM_BYTES]
        return strings_from_rows(_with_prefix(prefix, base32_rows(digests)))
