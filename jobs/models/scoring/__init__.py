"""Scoring Arrow record batches with a loaded model: in process from a DuckDB query, or on
Spark with `mapInArrow`; both run the same Scorer on the same batches, so they agree."""

from jobs.models.scoring.batches import SCORE_COLUMN, output_schema, score_batches, score_reader
from jobs.models.scoring.duckdb_query import BATCH_ROWS, score_query
from jobs.models.scoring.spark_frame import score_frame

__all__ = [
    "BATCH_ROWS",
    "SCORE_COLUMN",
    "output_schema",
    "score_batches",
    "score_frame",
    "score_query",
    "score_reader",
]
