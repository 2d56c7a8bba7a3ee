"""`labjob.validate_binary`: validate a binary credit model on a sample and write the results
as the job's outputs, where they cross the disclosure gate like any other output.

For `name` it writes:
- `<name>_validation.json`: every metric (`BinaryValidation.to_dict()`), counts included;
- `<name>_calibration.parquet`, `<name>_bands.parquet` and, with a training score,
  `<name>_score_psi.parquet`: the same bins as tables, one row per bin with its count;
- `<name>_roc.png`, `<name>_ks.png`, `<name>_score_distribution.png`;
- metrics `<name>_auc`, `<name>_gini`, `<name>_ks` and `<name>_psi` in `metrics.json`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from typing import Any

from .credit_metrics import (
    BinaryValidation,
    bad_rate_by_band,
    calibration,
    discrimination,
    ks_png,
    psi,
    roc_png,
    score_distribution_png,
)


def validate_binary(
    name: str,
    y_true: Any,
    score: Any,
    *,
    train_score: Any = None,
    bands: Sequence[float] | int | None = None,
    orientation: str = "risk",
) -> BinaryValidation:
    """Compute AUC, Gini, KS, calibration by decile, bad rate by band (`bands`: inner edges
    or a number of quantile bands) and, given the training sample's scores, the score's PSI;
    write them and the plots to the outputs (see the module doc) and return them.

    y_true: 1 = bad, 0 = good. orientation: "risk" (higher score = riskier, P(bad)) or
    "points" (higher = safer)."""
    from . import _check, log_metric, write_file, write_table

    _check(name)
    result = BinaryValidation(
        discrimination=discrimination(y_true, score, orientation=orientation),
        calibration=calibration(y_true, score),
        bands=bad_rate_by_band(y_true, score, bands),
        score_psi=psi(train_score, score) if train_score is not None else None,
    )
    body = json.dumps(result.to_dict(), indent=2, sort_keys=True, allow_nan=False)
    write_file(f"{name}_validation.json", body)
    pyarrow = importlib.import_module("pyarrow")
    tables = {
        "calibration": [row.to_dict() for row in result.calibration.deciles],
        "bands": [row.to_dict() for row in result.bands.bands],
    }
    if result.score_psi is not None:
        tables["score_psi"] = [row.to_dict() for row in result.score_psi.bins]
    for suffix, rows in tables.items():
        write_table(f"{name}_{suffix}", pyarrow.Table.from_pylist(rows))
    write_file(f"{name}_roc.png", roc_png(y_true, score, orientation=orientation))
    write_file(f"{name}_ks.png", ks_png(y_true, score))
    write_file(f"{name}_score_distribution.png", score_distribution_png(y_true, score))
    log_metric(f"{name}_auc", result.discrimination.auc)
    log_metric(f"{name}_gini", result.discrimination.gini)
    log_metric(f"{name}_ks", result.discrimination.ks)
    if result.score_psi is not None:
        log_metric(f"{name}_psi", result.score_psi.psi)
    return result
