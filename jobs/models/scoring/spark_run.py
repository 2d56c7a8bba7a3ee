"""A production scoring run on Spark: the same Scorer per partition (`score_frame`), the
same bands (`with_bands`) and the same counts (`BandCounts`, one partial per partition, added
up on the driver), so its row-level scores and aggregates are those of the in-process run.

The row-level scores (key, score, band) are written as a Parquet directory; the banded
frame is persisted for the two actions (writing, counting), then released.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from jobs.models.formats import ScoringInputInvalid
from jobs.models.scoring.band_counts import PARTIAL_SCHEMA, BandCounts
from jobs.models.scoring.bands import ScoreBands
from jobs.models.scoring.batches import SCORE_COLUMN
from jobs.models.scoring.production_run import BAND_COLUMN, ScoringRun, with_bands
from jobs.models.scoring.spark_frame import score_frame


def _band_partition(
    batches: Iterator[pa.RecordBatch], bands: ScoreBands
) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        yield with_bands(batch, bands)


def _count_partition(
    batches: Iterator[pa.RecordBatch], bands: ScoreBands, label_column: str | None
) -> Iterator[pa.RecordBatch]:
    counts = BandCounts(bands, with_labels=label_column is not None)
    for batch in batches:
        labels = batch.column(label_column) if label_column is not None else None
        counts.add(batch.column(SCORE_COLUMN), labels)
    yield counts.partial()


def run_scoring_spark(
    frame: Any,
    flavour: str,
    artifact: bytes,
    key: str,
    bands: ScoreBands,
    output: str,
    *,
    label_column: str | None = None,
    features: Sequence[str] | None = None,
    threads: int = 1,
) -> ScoringRun:
    """Score `frame` into the Parquet directory `output` (key, score, band) and count the
    bands. The model bytes are loaded and checked on the driver first (`score_frame`)."""
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    if label_column is not None and label_column == key:
        raise ScoringInputInvalid("the label column cannot be the key column")
    keys = [key] if label_column is None else [key, label_column]
    scored = score_frame(frame, flavour, artifact, keys, features=features, threads=threads)
    arrow = to_arrow_schema(scored.schema)
    banded_schema = arrow.append(pa.field(BAND_COLUMN, pa.int32()))
    banded = scored.mapInArrow(
        functools.partial(_band_partition, bands=bands), from_arrow_schema(banded_schema)
    ).persist()
    try:
        banded.select(key, SCORE_COLUMN, BAND_COLUMN).write.parquet(output)
        partials = banded.mapInArrow(
            functools.partial(_count_partition, bands=bands, label_column=label_column),
            from_arrow_schema(PARTIAL_SCHEMA),
        ).toArrow()
    finally:
        banded.unpersist()
    counts = BandCounts(bands, with_labels=label_column is not None)
    counts.add_partial(partials)
    return ScoringRun(counts.total, counts)
