"""Data of the production-run tests: merchants with text keys, features and an outcome
that is missing for some of them, as Parquet; and the bands the runs use."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jobs.models.scoring import ScoreBands
from tests.jobs.models.model_factories import merchant_batch, merchants

# Fine bands at the top, where few merchants score, so that some must be merged.
BANDS = ScoreBands(edges=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.86, 0.868), cutoff=0.45)


def write_production(folder: Path, rows: int, seed: int = 11) -> Path:
    batch = merchant_batch(rows, seed)
    _, outcome = merchants(rows, seed)
    keys = pa.array([f"M{i:08d}" for i in range(rows)])
    labels = pa.array(outcome.astype(np.int64), mask=np.arange(rows) % 6 == 0)
    table = pa.Table.from_batches([batch]).drop(["merchant_id"])
    table = table.add_column(0, "merchant_id", keys).append_column("default", labels)
    path = folder / "production.parquet"
    pq.write_table(table, path, row_group_size=max(1, rows // 4))
    return path
