"""Scoring Arrow record batches with a loaded model: in process from a DuckDB query, or on
Spark with `mapInArrow`; both run the same Scorer on the same batches, so they agree.

A production scoring run (`run_scoring`, `run_scoring_spark`) adds score bands: row-level
scores with their band for the data owner, and band counts whose `partner_table` applies the
zone's minimum cell count and rounding for the partner."""

from jobs.models.scoring.band_counts import BandCounts
from jobs.models.scoring.bands import ScoreBands
from jobs.models.scoring.batches import SCORE_COLUMN, output_schema, score_batches, score_reader
from jobs.models.scoring.duckdb_query import BATCH_ROWS, score_query
from jobs.models.scoring.partner_table import partner_table
from jobs.models.scoring.production_run import (
    BAND_COLUMN,
    ScoringRun,
    row_schema,
    run_scoring,
    scored_rows,
)
from jobs.models.scoring.spark_frame import score_frame
from jobs.models.scoring.spark_run import run_scoring_spark

__all__ = [
    "BAND_COLUMN",
    "BATCH_ROWS",
    "SCORE_COLUMN",
    "BandCounts",
    "ScoreBands",
    "ScoringRun",
    "output_schema",
    "partner_table",
    "row_schema",
    "run_scoring",
    "run_scoring_spark",
    "score_batches",
    "score_frame",
    "score_query",
    "score_reader",
    "scored_rows",
]
