"""`surrogate`: a realistic fake of the same kind, the same fake for the same value.

The fake is drawn from a pool generated once per (entity, locale) from a fixed seed
(`_fakes.py`): index = HMAC-SHA256(tenant's surrogate key, value) mod pool size. So the
mapping is stable within a tenant, differs between tenants, and reveals nothing without the
key. A fake is never a real value of the column: in the pipeline's first pass the operator
`observe`s the column (every row read, sampled or not) and marks the pool's fakes that occur
in it (memory: one flag per fake), and a value whose fake is marked, or is the value itself,
takes the next unmarked fake. So a common name in the data is never shown as someone else's
fake name; the few values whose first choice was marked may get another fake in another
import. Different values may share a fake (the pool is finite): surrogates keep the look of
the data, not its uniqueness; use `pseudonym` where values must stay distinct. Pools depend
on the Faker version, so an upgrade may change which fake a value gets.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from connectors.errors import PrivacyError
from connectors.operators._arrow import DistinctMapper, as_text
from connectors.operators._fakes import fake_pool
from connectors.operators._keyed import hmac_sha256_rows
from connectors.operators.base import KeyName, Operator, OperatorContext, OperatorParams

SurrogateEntity = Literal[
    "PERSON",
    "PRC_MOBILE",
    "PHONE_NUMBER",
    "PRC_ID_NUMBER",
    "BANK_CARD",
    "CREDIT_CARD",
    "PRC_USCC",
    "EMAIL_ADDRESS",
    "LOCATION",
    "ORGANIZATION",
    "IP_ADDRESS",
]
SURROGATE_ENTITIES: frozenset[str] = frozenset(SurrogateEntity.__args__)  # type: ignore[attr-defined]


class SurrogateParams(OperatorParams):
    entity: SurrogateEntity | None = None  # None: the entity found in the column
    locale: Literal["zh_CN", "en_US"] = "zh_CN"
    pool_size: int = Field(default=10_000, ge=100, le=200_000)


class Surrogate(Operator[SurrogateParams]):
    name: ClassVar[str] = "surrogate"
    params_model: ClassVar[type[OperatorParams]] = SurrogateParams
    key: ClassVar[KeyName | None] = "surrogate"
    observes: ClassVar[bool] = True
    observes_unsampled: ClassVar[bool] = True

    def __init__(self, params: SurrogateParams, context: OperatorContext | None = None) -> None:
        if params.entity is None:
            raise ValueError("surrogate needs an entity (none given, none found in the column)")
        super().__init__(params, context)
        self._taken: np.ndarray[Any, np.dtype[np.bool_]] | None = None  # real values
        self._given: np.ndarray[Any, np.dtype[np.bool_]] | None = None  # fakes handed out
        self._mapper = DistinctMapper(self._fakes)

    @property
    def pool(self) -> pa.Array:
        p = self.params
        assert p.entity is not None
        return fake_pool(p.entity, p.locale, p.pool_size)

    def observe(self, values: pa.Array) -> None:
        pool = self.pool
        if self._taken is None:
            self._taken = np.zeros(len(pool), dtype=bool)
        found = pc.index_in(pc.cast(as_text(values), pa.string()), value_set=pool).drop_null()
        self._taken[found.to_numpy(zero_copy_only=False)] = True

    def apply(self, values: pa.Array) -> pa.Array:
        return self._mapper(values)

    def observed_consistently(self) -> bool:
        """No fake handed out is a value met in the column (perhaps only after it was handed
        out): then every value got the fake that observing the whole column first gives,
        since the fakes it skips only grow as it observes."""
        if self._given is None or self._taken is None:
            return True
        return not bool((self._given & self._taken).any())

    def output_type(self, input_type: pa.DataType) -> pa.DataType:
        return pa.string()

    def _fakes(self, distinct: pa.Array) -> pa.Array:
        if len(distinct) == 0:
            return pa.array([], pa.string())
        pool, size = self.pool, len(self.pool)
        taken = np.zeros(size, dtype=bool) if self._taken is None else self._taken
        digests = hmac_sha256_rows(self.key_bytes(), distinct)
        picks = (np.ascontiguousarray(digests[:, :8]).view(">u8").ravel() % size).astype(np.int64)
        text = pc.cast(as_text(distinct), pa.string())
        for _ in range(size):  # a marked fake, or the value itself: the next fake in the pool
            fakes = pool.take(pa.array(picks))
            itself = np.asarray(pc.equal(fakes, text).to_numpy(zero_copy_only=False), dtype=bool)
            again = taken[picks] | itself
            if not again.any():
                if self._given is None:
                    self._given = np.zeros(size, dtype=bool)
                self._given[picks] = True
                return fakes
            picks[again] = (picks[again] + 1) % size
        raise PrivacyError(
            f"too few fakes in the {self.params.entity} pool that are not real values of the "
            "column: raise pool_size"
        )
