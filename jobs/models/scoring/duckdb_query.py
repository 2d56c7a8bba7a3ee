"""In-process scoring: a DuckDB query's result, streamed as Arrow batches through a Scorer.

The query runs on the caller's connection (locked down as the caller decided) as a relation
read through DuckDB's Arrow stream, with no DB-API copy. Its result is never materialised
whole: DuckDB produces `batch_rows` rows at a time, each batch is scored and handed on.
Between 64k and 256k rows a batch amortise the per-call cost of the model without holding
much memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pyarrow as pa

from jobs.models.formats.scorer import Scorer
from jobs.models.scoring.batches import SCORE_COLUMN, score_reader

BATCH_ROWS = 131_072


def score_query(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    scorer: Scorer,
    keys: Sequence[str],
    *,
    parameters: Sequence[Any] | None = None,
    batch_rows: int = BATCH_ROWS,
    score_column: str = SCORE_COLUMN,
) -> pa.RecordBatchReader:
    """A reader of `keys` + `score_column` for every row `sql` returns, scored lazily."""
    if batch_rows < 1:
        raise ValueError("batch_rows must be positive")
    relation = con.sql(sql, params=parameters)
    if relation is None:
        raise ValueError("the scoring query returns no rows: it must be a SELECT")
    return score_reader(relation.to_arrow_reader(batch_rows), scorer, keys, score_column)
