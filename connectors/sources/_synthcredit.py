"""The business columns of the synthetic "credit" profile: six months of sales, refund rate,
rating and loan history, and a `default` label drawn from a known logistic model of them.

The model is the example domain's "water level": a merchant whose last three months of
sales fall below the three before is more likely to default, and so is one with many
refunds, past overdue repayments or a large outstanding loan for its sales. With
w = ln(sales of months 4-6 / sales of months 1-3) and leverage = outstanding loan / a year
of sales at its usual level,

    logit P(default) = -2.9 - 5 w + 15 (refund_rate - 0.05) + 0.7 overdue + 1.5 leverage

and `default` is a Bernoulli draw of that probability (about 13% default). The Bayes AUC is
about 0.81; a logistic regression on the raw columns reaches it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

CREDIT_MONTHS = 6
F64 = npt.NDArray[np.float64]

CREDIT_FIELDS = [
    *[(f"sales_m{m:02d}", pa.float64()) for m in range(1, CREDIT_MONTHS + 1)],
    ("refund_rate", pa.float64()),
    ("rating", pa.float64()),
    ("loans", pa.int64()),
    ("overdue", pa.int64()),
    ("outstanding_loan", pa.float64()),
    ("default", pa.int64()),
]
INTERCEPT = -2.9
WATER_LEVEL = -5.0
REFUNDS = 15.0
OVERDUE = 0.7
LEVERAGE = 1.5


def _sigmoid(x: F64) -> F64:
    return 1.0 / (1.0 + np.exp(-x))


def credit_logit(
    sales: F64, refund_rate: F64, overdue: npt.NDArray[np.int64], outstanding: F64, level: F64
) -> F64:
    """The log-odds of default the label is drawn from (see the module doc)."""
    half = CREDIT_MONTHS // 2
    water = np.log(sales[:, half:].sum(axis=1) / sales[:, :half].sum(axis=1))
    leverage = outstanding / (12 * level)
    logit: F64 = (
        INTERCEPT
        + WATER_LEVEL * water
        + REFUNDS * (refund_rate - 0.05)
        + OVERDUE * overdue
        + LEVERAGE * leverage
    )
    return logit


def credit_business(rng: np.random.Generator, n: int) -> dict[str, Any]:
    """`n` merchants' business columns and their label, drawn from `rng`."""
    level = rng.lognormal(np.log(40_000.0), 0.9, n)
    trend = rng.normal(0.0, 0.06, n)  # monthly growth of the log of sales
    months = np.arange(CREDIT_MONTHS)
    season = 1 + 0.05 * np.sin(2 * np.pi * months / 12 + rng.uniform(0, 2 * np.pi, n)[:, None])
    log_sales = (
        np.log(level)[:, None]
        + trend[:, None] * months
        + 0.10 * rng.standard_normal((n, CREDIT_MONTHS))
    )
    sales = np.round(np.exp(log_sales) * season, 2)
    propensity = rng.beta(1.5, 30.0, n) * rng.lognormal(0, 0.2, n)
    refund_rate: F64 = np.round(np.clip(propensity, 0, 1), 4).astype(np.float64)
    rating = np.round(np.clip(4.6 - 6 * refund_rate + rng.normal(0, 0.35, n), 1, 5), 1)
    loans = rng.poisson(1.2, n).astype(np.int64)
    overdue = rng.binomial(2 * loans, _sigmoid(-2.5 + 10 * refund_rate)).astype(np.int64)
    outstanding = np.round(loans * level * rng.uniform(0.5, 3.0, n), 2)
    logit = credit_logit(sales, refund_rate, overdue, outstanding, level)
    out: dict[str, Any] = {f"sales_m{m + 1:02d}": sales[:, m] for m in range(CREDIT_MONTHS)}
    out.update(
        refund_rate=refund_rate,
        rating=rating,
        loans=loans,
        overdue=overdue,
        outstanding_loan=outstanding,
        default=(rng.random(n) < _sigmoid(logit)).astype(np.int64),
    )
    return out
