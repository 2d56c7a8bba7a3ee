"""`labjob`: what a Python job imports to read its inputs and write its outputs.

Inside the sandbox the job's inputs are read-only files under `/inputs` (Parquet, Arrow IPC,
Feather or CSV; a directory is read as one partitioned Parquet dataset), named by their
input alias; everything it produces goes under `/workspace/outputs`, where the lab picks it
up and checks it before anyone sees it. Example:

    import labjob

    df = labjob.read_pandas("merchants")
    summary = df.groupby("loans", as_index=False)["monthly_sales"].mean()
    labjob.write_table("sales_by_loans", summary)
    labjob.log_metric("rows", len(df))
    labjob.save_model("scorer", fitted_estimator)  # ONNX, LightGBM text or a scorecard

A model's validation (AUC, KS, Gini, PSI, calibration, bad rate by band, plots) is one call,
`labjob.validate_binary(name, y_true, score, train_score=...)` (see `_validation`); the
metrics themselves are `labjob.credit_metrics`.

A spark job gets its SparkSession from `labjob.spark()` and reads and writes DataFrames with
`labjob.read_spark(name)` and `labjob.write_spark(name, df)` (see `_spark`).

(`LABJOB_INPUTS` and `LABJOB_WORKSPACE` point elsewhere when trying a job outside the lab.)
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import _models
from ._models import ModelNotSaved
from ._spark import read_spark, spark, write_spark
from ._validation import validate_binary

__all__ = [
    "ModelNotSaved",
    "inputs",
    "log_metric",
    "outputs_dir",
    "read_pandas",
    "read_spark",
    "read_table",
    "save_model",
    "spark",
    "validate_binary",
    "write_file",
    "write_spark",
    "write_table",
]

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_TABLE_SUFFIXES = (".parquet", ".arrow", ".feather", ".ipc", ".csv")
METRICS = "metrics.json"


def _inputs_root() -> Path:
    return Path(os.environ.get("LABJOB_INPUTS", "/inputs"))


def outputs_dir() -> Path:
    """`/workspace/outputs`, created if missing."""
    path = Path(os.environ.get("LABJOB_WORKSPACE", "/workspace")) / "outputs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check(name: str) -> str:
    if not _NAME.match(name) or name in (".", ".."):
        raise ValueError(f"invalid name {name!r}: letters, digits, '_', '-', '.' only")
    return name


def inputs() -> dict[str, Path]:
    """The job's inputs by name (the file name without its table suffix)."""
    root = _inputs_root()
    found: dict[str, Path] = {}
    if not root.is_dir():
        return found
    for path in sorted(root.iterdir()):
        name = path.stem if path.suffix in _TABLE_SUFFIXES else path.name
        found.setdefault(name, path)
    return found


def _input(name: str) -> Path:
    available = inputs()
    if name not in available:
        raise KeyError(f"no input named {name!r}; inputs: {', '.join(available) or 'none'}")
    return available[name]


def read_table(name: str) -> Any:
    """The input `name` as a `pyarrow.Table`."""
    path = _input(name)
    if path.is_dir() or path.suffix == ".parquet":
        parquet = importlib.import_module("pyarrow.parquet")
        return parquet.read_table(path)
    if path.suffix == ".csv":
        return importlib.import_module("pyarrow.csv").read_csv(path)
    feather = importlib.import_module("pyarrow.feather")
    return feather.read_table(path)


def read_pandas(name: str) -> Any:
    """The input `name` as a `pandas.DataFrame`."""
    return read_table(name).to_pandas()


def write_table(name: str, table: Any) -> Path:
    """Write a `pyarrow.Table` or `pandas.DataFrame` to `outputs/<name>.parquet`."""
    pyarrow = importlib.import_module("pyarrow")
    parquet = importlib.import_module("pyarrow.parquet")
    if not isinstance(table, pyarrow.Table):
        table = pyarrow.Table.from_pandas(table, preserve_index=False)
    path = outputs_dir() / f"{_check(name)}.parquet"
    parquet.write_table(table, path)
    return path


def write_file(name: str, data: bytes | str | Path) -> Path:
    """Write bytes, text, or a copy of a file (a Path) to `outputs/<name>`."""
    path = outputs_dir() / _check(name)
    if isinstance(data, Path):
        shutil.copyfile(data, path)
    elif isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def log_metric(name: str, value: object) -> None:
    """Record a metric (a number, bool or string) in `outputs/metrics.json`; one JSON object,
    where a later value of the same name replaces the earlier one."""
    if not isinstance(value, bool | int | str):
        value = float(value)  # type: ignore[arg-type]  # floats and numpy scalars
        if not math.isfinite(value):
            raise ValueError(f"metric {name!r} is not finite: {value}")
    path = outputs_dir() / METRICS
    metrics: dict[str, Any] = json.loads(path.read_text("utf-8")) if path.exists() else {}
    metrics[_check(name)] = value
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True), encoding="utf-8")


def save_model(
    name: str,
    model: object,
    *,
    features: Sequence[str] | Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
    target: str | None = None,
) -> Path:
    """Save `model` to `outputs/models/<name>/` in a format the lab loads without running
    code: scikit-learn -> ONNX, LightGBM -> its text model, a scorecard -> JSON (see
    `_models`). Anything else raises `ModelNotSaved`; pickle is never accepted.

    `features`: the input columns in order (names, or name -> "numeric"/"categorical");
    by default the names the model was fitted with. `target`: the label's column name."""
    return _models.save(outputs_dir() / "models" / _check(name), name, model, features, target)
