"""Small models of each safe flavour trained on synthetic merchants, built once per run."""

from __future__ import annotations

import functools
import json
from typing import Any

import lightgbm
import numpy as np
import numpy.typing as npt
import onnxmltools  # type: ignore[import-untyped, unused-ignore]
import pyarrow as pa
from onnxmltools.convert.common.data_types import (  # type: ignore[import-untyped, unused-ignore]
    FloatTensorType,
)

FEATURES = ["sales_trend", "refund_rate", "loan_count", "tenure_months"]
CITIES = ["shanghai", "beijing", "wuhan", "chengdu"]  # chengdu: not on the scorecard


def merchants(rows: int, seed: int = 3) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Features and a default label learnable from them (falling sales, refunds, loans)."""
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [
            rng.normal(0.0, 1.0, rows),
            rng.beta(2.0, 20.0, rows),
            rng.poisson(1.5, rows).astype(np.float64),
            rng.integers(1, 120, rows).astype(np.float64),
        ]
    )
    logit = -1.0 - 1.5 * x[:, 0] + 8.0 * x[:, 1] + 0.3 * x[:, 2] - 0.01 * x[:, 3]
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    return x, y


def merchant_batch(rows: int, seed: int = 11, missing: bool = True) -> pa.RecordBatch:
    """A batch with a key column and the features, some of them null or NaN."""
    x, _ = merchants(rows, seed)
    columns: dict[str, Any] = {"merchant_id": pa.array(np.arange(rows, dtype=np.int64))}
    for j, name in enumerate(FEATURES):
        columns[name] = pa.array(x[:, j])
    cities = np.array(CITIES, dtype=object)[np.arange(rows) % len(CITIES)]
    columns["city"] = pa.array(cities, pa.string(), mask=np.arange(rows) % 9 == 4)
    if missing and rows >= 10:
        trend = x[:, 0].copy()
        trend[::7] = np.nan
        columns["sales_trend"] = pa.array(trend)  # NaN
        loans = x[:, 2].astype(np.int64)
        columns["loan_count"] = pa.array(loans, mask=np.arange(rows) % 5 == 0)  # null
    return pa.RecordBatch.from_pydict(columns)


@functools.cache
def classifier(trees: int = 20) -> lightgbm.LGBMClassifier:
    x, y = merchants(4000)
    x[::13, 0] = np.nan  # so the trees learn where missing values go
    model = lightgbm.LGBMClassifier(n_estimators=trees, num_leaves=15, verbose=-1)
    return model.fit(x, y, feature_name=FEATURES)


@functools.cache
def lightgbm_text(trees: int = 20) -> bytes:
    return classifier(trees).booster_.model_to_string().encode("utf-8")


@functools.cache
def onnx_bytes(trees: int = 20, zipmap: bool = False) -> bytes:
    converted = onnxmltools.convert_lightgbm(
        classifier(trees),
        initial_types=[("features", FloatTensorType([None, len(FEATURES)]))],
        zipmap=zipmap,
    )
    return bytes(converted.SerializeToString())


def scorecard(probability: bool = True) -> dict[str, Any]:
    card: dict[str, Any] = {
        "format": "lab-scorecard/1",
        "base_points": 600.0,
        "pdo": 20.0,
        "features": [
            {
                "name": "sales_trend",
                "type": "numeric",
                "bins": [
                    {"lower": None, "upper": -1.0, "points": -30.0, "count": 600},
                    {"lower": -1.0, "upper": 0.5, "points": 0.0, "count": 2400},
                    {"lower": 0.5, "upper": None, "points": 25.0, "count": 1000},
                ],
                "missing_points": -10.0,
            },
            {
                "name": "city",
                "type": "categorical",
                "bins": [
                    {"categories": ["shanghai", "beijing"], "points": 12.0, "count": 900},
                    {"categories": ["wuhan"], "points": -4.0, "count": 300},
                ],
                "missing_points": -7.0,
            },
        ],
    }
    if probability:
        card["score_to_probability"] = {"intercept": 20.0, "slope": -0.035}
    return card


def scorecard_bytes(probability: bool = True) -> bytes:
    return json.dumps(scorecard(probability)).encode("utf-8")
