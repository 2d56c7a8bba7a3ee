"""Scoring a stream of Arrow record batches: the key columns pass through, a score is added."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import pyarrow as pa

from jobs.models.formats import ScoringInputInvalid
from jobs.models.formats.scorer import Scorer

SCORE_COLUMN = "score"


def output_schema(
    source: pa.Schema, keys: Sequence[str], score_column: str = SCORE_COLUMN
) -> pa.Schema:
    """The schema of the scored batches: the key fields as they are in `source`, then the
    score (float64). ScoringInputInvalid when a key is absent, repeated or named like the
    score."""
    if not keys:
        raise ScoringInputInvalid("name at least one key column to identify the scored rows")
    if len(set(keys)) != len(keys):
        raise ScoringInputInvalid(f"the key columns {list(keys)} repeat a name")
    if score_column in keys:
        raise ScoringInputInvalid(f"the score column {score_column!r} is also a key column")
    fields = []
    for key in keys:
        found = source.get_all_field_indices(key)
        if len(found) != 1:
            what = "is missing from" if not found else "appears more than once in"
            raise ScoringInputInvalid(f"the key column {key!r} {what} the data to score")
        fields.append(source.field(found[0]))
    return pa.schema([*fields, pa.field(score_column, pa.float64())])


def score_batch(batch: pa.RecordBatch, scorer: Scorer, schema: pa.Schema) -> pa.RecordBatch:
    """One input batch scored: its key columns (named by `schema`) and the score."""
    keys = [batch.column(batch.schema.get_field_index(name)) for name in schema.names[:-1]]
    return pa.RecordBatch.from_arrays([*keys, scorer.score(batch)], schema=schema)


def score_batches(
    batches: Iterable[pa.RecordBatch],
    scorer: Scorer,
    schema: pa.Schema,
) -> Iterator[pa.RecordBatch]:
    """Each batch of `batches` scored, in order, one output batch per input batch."""
    for batch in batches:
        yield score_batch(batch, scorer, schema)


def score_reader(
    reader: pa.RecordBatchReader,
    scorer: Scorer,
    keys: Sequence[str],
    score_column: str = SCORE_COLUMN,
) -> pa.RecordBatchReader:
    """A reader of the scored batches of `reader`, computed as they are read."""
    schema = output_schema(reader.schema, keys, score_column)
    return pa.RecordBatchReader.from_batches(schema, score_batches(reader, scorer, schema))
