"""A production scoring run in process: the data (a DuckDB relation, a reader, a table or
batches) streamed through an already verified Scorer, one Arrow batch at a time.

Every batch gives the data owner's row-level scores (the entity key, the score, its band),
written to Parquet as they come, and adds to the band counts the partner's aggregates are
made of (`partner_table`). A label column, when named, feeds the bad rates and is not
written out. Nothing is held but the current batch and the counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jobs.models.formats import ScoringInputInvalid
from jobs.models.formats.scorer import Scorer
from jobs.models.record_batches import record_batches
from jobs.models.scoring.band_counts import BandCounts
from jobs.models.scoring.bands import ScoreBands
from jobs.models.scoring.batches import SCORE_COLUMN, output_schema
from jobs.models.scoring.duckdb_query import BATCH_ROWS
from jobs.models.scoring.partner_table import partner_table

BAND_COLUMN = "band"


@dataclass(frozen=True)
class ScoringRun:
    """What a run leaves besides its row-level file: the band counts (in the zone)."""

    rows: int
    counts: BandCounts

    def partner_table(self, *, min_cell_count: int, rounding: int) -> pa.Table:
        return partner_table(self.counts, min_cell_count=min_cell_count, rounding=rounding)


def row_schema(source: pa.Schema, key: str) -> pa.Schema:
    """The row-level output: the key as it is in the data, the score, the band."""
    scored = output_schema(source, [key], SCORE_COLUMN)
    if key == BAND_COLUMN:
        raise ScoringInputInvalid(f"the key column {key!r} is named like the band column")
    return scored.append(pa.field(BAND_COLUMN, pa.int32()))


def with_bands(scored: pa.RecordBatch, bands: ScoreBands) -> pa.RecordBatch:
    """A batch of key(s) and score with the band added after the score."""
    scores = scored.column(SCORE_COLUMN).to_numpy(zero_copy_only=False)
    band = bands.band_of(np.asarray(scores, dtype=np.float64))
    return scored.append_column(pa.field(BAND_COLUMN, pa.int32()), pa.array(band))


def scored_rows(
    data: Any,
    scorer: Scorer,
    key: str,
    bands: ScoreBands,
    counts: BandCounts,
    *,
    label_column: str | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """The row-level batches (key, score, band) of `data`, counting each into `counts`."""
    if label_column is not None and label_column == key:
        raise ScoringInputInvalid("the label column cannot be the key column")
    schema: pa.Schema | None = None
    try:
        batches = record_batches(data, batch_rows)
    except TypeError as exc:
        raise ScoringInputInvalid(str(exc)) from None
    for batch in batches:
        if schema is None:
            schema = row_schema(batch.schema, key)
        if label_column is not None and batch.schema.get_field_index(label_column) < 0:
            raise ScoringInputInvalid(f"the label column {label_column!r} is missing")
        scores = scorer.score(batch)
        keys = batch.column(batch.schema.get_field_index(key))
        labels = batch.column(label_column) if label_column is not None else None
        counts.add(scores, labels)
        band = bands.band_of(np.asarray(scores.to_numpy(zero_copy_only=False), np.float64))
        yield pa.RecordBatch.from_arrays([keys, scores, pa.array(band)], schema=schema)


def run_scoring(
    data: Any,
    scorer: Scorer,
    key: str,
    bands: ScoreBands,
    output: Path,
    *,
    label_column: str | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ScoringRun:
    """Score `data` into the Parquet file `output` (key, score, band) and count the bands."""
    counts = BandCounts(bands, with_labels=label_column is not None)
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for batch in scored_rows(data, scorer, key, bands, counts, label_column=label_column,
                                 batch_rows=batch_rows):  # fmt: skip
            if writer is None:
                writer = pq.ParquetWriter(output, batch.schema)
            writer.write_batch(batch)
            rows += batch.num_rows
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise ScoringInputInvalid("the data to score have no batches")
    return ScoringRun(rows, counts)
