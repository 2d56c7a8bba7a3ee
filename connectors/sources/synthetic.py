"""Synthetic small-business merchants of a platform, for demos, tests and benchmarks.

Each row is a merchant with personal data (owner's name, resident ID number, mobile, bank
card, unified social credit code, e-mail, address: all well-formed, check characters
valid), its sales and refunds, a platform rating, its loan history and a `default` label
whose probability follows a logistic model of refund rate, rating, sales trend and overdue
loans, so a model has something to learn (default rate about 10%).

Profiles: "bench" (14 columns, 7 of them personal data), "full" (12 months of sales and
refunds, plus the overdue count) and "credit" (6 months of sales, refund rate, rating, loans,
overdue count, outstanding loan), whose label follows the documented logistic model of
`_synthcredit` so that a model trained on it, and its monitoring, have a known answer.

Rows are made in fixed chunks of 16,384, each from its
own generator seeded by (seed, chunk number): the same seed gives the same rows whatever
the batch size, and the first n rows of a larger request are the rows of a request for n.
Names, streets and e-mail users come from pools Faker makes once per (locale, seed), so
rows for the same seed are the same as long as Faker's data do not change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from connectors.errors import SpecError
from connectors.sources import _synthids as ids
from connectors.sources._synthcredit import CREDIT_FIELDS, credit_business
from connectors.sources._synthpools import LOCALES, Pools, pick, pools
from connectors.sources.base import (
    DEFAULT_BATCH_ROWS,
    check_batch_rows,
    check_columns,
    rebatch,
    select,
)

CHUNK_ROWS = 16_384
PROFILES = ("bench", "full", "credit")
MONTHS = 12
_REGISTERED_FROM = (np.datetime64("2015-01-01") - np.datetime64("1970-01-01")).astype(int)
_REGISTERED_TO = (np.datetime64("2024-12-31") - np.datetime64("1970-01-01")).astype(int)
_BORN_FROM = (np.datetime64("1960-01-01") - np.datetime64("1970-01-01")).astype(int)
_BORN_TO = (np.datetime64("1996-12-31") - np.datetime64("1970-01-01")).astype(int)
F64 = npt.NDArray[np.float64]

_IDENTITY = [
    ("merchant_id", pa.string()),
    ("name", pa.string()),
    ("id_number", pa.string()),
    ("mobile", pa.string()),
    ("bank_card", pa.string()),
    ("uscc", pa.string()),
    ("email", pa.string()),
    ("address", pa.string()),
    ("registered", pa.date32()),
]
SCHEMAS = {
    "bench": pa.schema(
        [
            *_IDENTITY,
            ("monthly_sales", pa.float64()),
            ("refund_rate", pa.float64()),
            ("rating", pa.float64()),
            ("loans", pa.int64()),
            ("default", pa.int64()),
        ]
    ),
    "full": pa.schema(
        [
            *_IDENTITY,
            *[(f"sales_m{m:02d}", pa.float64()) for m in range(1, MONTHS + 1)],
            *[(f"refunds_m{m:02d}", pa.float64()) for m in range(1, MONTHS + 1)],
            ("rating", pa.float64()),
            ("loans", pa.int64()),
            ("overdue", pa.int64()),
            ("default", pa.int64()),
        ]
    ),
    "credit": pa.schema([*_IDENTITY, *CREDIT_FIELDS]),
}
PII_COLUMNS = ("name", "id_number", "mobile", "bank_card", "uscc", "email", "address")


def _sigmoid(x: F64) -> F64:
    return 1.0 / (1.0 + np.exp(-x))


class SyntheticSource:
    """`rows` merchants from `seed`, names and addresses in `locale` ("zh_CN" or "en_US"),
    columns of `profile` ("bench", "full" or "credit")."""

    kind = "synthetic"

    def __init__(
        self, *, rows: int, seed: int = 0, locale: str = "zh_CN", profile: str = "bench"
    ) -> None:
        for name, value in (("rows", rows), ("seed", seed)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SpecError(f"{name} must be a non-negative integer, not {value!r}")
        if locale not in LOCALES:
            raise SpecError(f"locale must be one of {list(LOCALES)}, not {locale!r}")
        if profile not in PROFILES:
            raise SpecError(f"profile must be one of {list(PROFILES)}, not {profile!r}")
        self.rows, self.seed, self.locale, self.profile = rows, seed, locale, profile

    def schema(self) -> pa.Schema:
        return SCHEMAS[self.profile]

    def batches(
        self, batch_rows: int = DEFAULT_BATCH_ROWS, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        check_batch_rows(batch_rows)
        check_columns(self.schema(), columns)
        return rebatch(select(self._chunks(), columns), batch_rows)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "seed": self.seed,
            "locale": self.locale,
            "profile": self.profile,
            "columns": {f.name: str(f.type) for f in self.schema()},
        }

    def _chunks(self) -> Iterator[pa.RecordBatch]:
        if self.rows == 0:
            return
        pool = pools(self.locale, self.seed)
        for index in range(-(-self.rows // CHUNK_ROWS)):
            start = index * CHUNK_ROWS
            batch = self._chunk(pool, index, start)
            yield batch.slice(0, min(CHUNK_ROWS, self.rows - start))

    def _chunk(self, pool: Pools, index: int, start: int) -> pa.RecordBatch:
        n = CHUNK_ROWS
        rng = np.random.default_rng([self.seed, index])
        columns: dict[str, Any] = self._identity(pool, rng, start, n)
        if self.profile == "credit":
            columns.update(credit_business(rng, n))
        else:
            columns.update(self._business(rng, n))
        return pa.RecordBatch.from_pydict(
            {f.name: columns[f.name] for f in self.schema()}, schema=self.schema()
        )

    def _identity(
        self, pool: Pools, rng: np.random.Generator, start: int, n: int
    ) -> dict[str, Any]:
        numbers = pc.cast(
            pa.array(np.arange(start + 1, start + n + 1, dtype=np.int64)), pa.string()
        )
        merchant_ids = pc.binary_join_element_wise(
            "M", pc.utf8_lpad(numbers, width=10, padding="0"), ""
        )
        birth_regions = pool.region_digits[rng.integers(0, len(pool.region_digits), n)]
        born = rng.integers(_BORN_FROM, _BORN_TO + 1, n, dtype=np.int64)
        home = rng.integers(0, len(pool.region_prefixes), n)
        house = pc.cast(pa.array(rng.integers(1, 1000, n)), pa.string())
        if self.locale == "zh_CN":
            addresses = pc.binary_join_element_wise(
                pool.region_prefixes.take(pa.array(home)),
                pick(pool.streets, rng, n),
                house,
                "号",
                "",
            )
        else:
            addresses = pick(pool.streets, rng, n)
        suffix = pc.cast(pa.array(rng.integers(1, 1000, n)), pa.string())
        suffix = pc.if_else(pa.array(rng.random(n) < 0.5), suffix, "")
        emails = pc.binary_join_element_wise(
            pick(pool.users, rng, n), suffix, "@", pick(pool.domains, rng, n), ""
        )
        registered = rng.integers(_REGISTERED_FROM, _REGISTERED_TO + 1, n).astype(np.int32)
        return {
            "merchant_id": merchant_ids,
            "name": pick(pool.names, rng, n),
            "id_number": ids.prc_ids(birth_regions, born, rng),
            "mobile": ids.mobile_numbers(n, rng),
            "bank_card": ids.bank_cards(n, rng),
            "uscc": ids.usccs(pool.region_digits[home], rng),
            "email": emails,
            "address": addresses,
            "registered": pa.array(registered, pa.date32()),
        }

    def _business(self, rng: np.random.Generator, n: int) -> dict[str, Any]:
        level = rng.lognormal(np.log(40_000.0), 0.9, n)
        trend = rng.normal(0.0, 0.025, n)
        months = np.arange(MONTHS)
        season = 1 + 0.12 * np.sin(
            2 * np.pi * months / MONTHS + rng.uniform(0, 2 * np.pi, n)[:, None]
        )
        log_sales = (
            np.log(level)[:, None]
            + np.log1p(trend)[:, None] * months
            + 0.12 * rng.standard_normal((n, MONTHS))
        )
        sales = np.round(np.exp(log_sales) * season, 2)
        propensity = rng.beta(1.5, 30.0, n)
        refund_share = np.clip(propensity[:, None] * rng.lognormal(0.0, 0.3, (n, MONTHS)), 0, 1)
        refunds = np.round(sales * refund_share, 2)
        refund_rate = refunds.sum(axis=1) / sales.sum(axis=1)
        rating = np.round(np.clip(4.6 - 6 * refund_rate + rng.normal(0, 0.35, n), 1, 5), 1)
        loans = rng.poisson(1.2, n)
        overdue = rng.binomial(loans, _sigmoid(-2.2 + 12 * refund_rate - 0.8 * (rating - 4)))
        logit = (
            -2.75
            + 14 * (refund_rate - 0.05)
            - 1.1 * (rating - 4.3)
            - 20 * trend
            + 0.7 * overdue
            - 0.2 * (np.log(level) - np.log(40_000.0))
        )
        default = (rng.random(n) < _sigmoid(logit)).astype(np.int64)
        out: dict[str, Any] = {
            "rating": rating,
            "loans": loans.astype(np.int64),
            "overdue": overdue.astype(np.int64),
            "default": default,
            "monthly_sales": np.round(sales.mean(axis=1), 2),
            "refund_rate": np.round(refund_rate, 4),
        }
        for m in range(MONTHS):
            out[f"sales_m{m + 1:02d}"] = sales[:, m]
            out[f"refunds_m{m + 1:02d}"] = refunds[:, m]
        return out
