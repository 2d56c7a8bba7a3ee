"""The scoring tests' data: synthetic merchants with missing values, as Parquet."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.jobs.models.model_factories import (
    FEATURES,
    lightgbm_text,
    merchant_batch,
    onnx_bytes,
    scorecard_bytes,
)


def write_merchants(folder: Path, rows: int) -> Path:
    """`rows` merchants in one Parquet file with several row groups; a second key column."""
    batch = merchant_batch(rows)
    region = pa.array([f"r{i % 3}" for i in range(rows)])
    path = folder / "merchants.parquet"
    pq.write_table(pa.Table.from_batches([batch.append_column("region", region)]), path,
                   row_group_size=max(1, rows // 4))  # fmt: skip
    return path


def artifact(flavour: str) -> bytes:
    return {"onnx": onnx_bytes(), "lightgbm": lightgbm_text(), "scorecard": scorecard_bytes()}[
        flavour
    ]


def declared_features(flavour: str) -> list[str] | None:
    return FEATURES if flavour == "onnx" else None
