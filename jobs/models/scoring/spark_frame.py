"""Scoring a Spark DataFrame with the same model bytes and the same Scorer, per partition.

The artifact travels to the executors once: as a broadcast variable on a classic session,
inside the task's closure on Spark Connect (which has no broadcast; the server ships the
closure to its executors once per task set). Each Python worker loads the model once and
keeps it for the partitions it scores next (keyed by the artifact's SHA-256), then
`DataFrame.mapInArrow` hands it the partition's Arrow batches, exactly as the in-process path
does: the same code scores both, so the scores agree.

Spark's Arrow batches hold `spark.sql.execution.arrow.maxRecordsPerBatch` rows (10,000 by
default); raising it to 64k-256k makes the model's per-call cost negligible.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from jobs.models.formats import load_scorer
from jobs.models.formats.scorer import Scorer
from jobs.models.scoring.batches import SCORE_COLUMN, output_schema, score_batches

_loaded: dict[tuple[str, str, tuple[str, ...] | None, int], Scorer] = {}
KEEP_LOADED = 4  # models a Python worker keeps between tasks (oldest dropped first)
_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class ShippedModel:
    """What a task needs to load the model: the bytes (or their broadcast) and how to load."""

    flavour: str
    sha256: str
    features: tuple[str, ...] | None
    threads: int
    artifact: bytes | None = None  # Spark Connect: in the closure
    broadcast: Any = None  # classic Spark: a Broadcast[bytes]

    def scorer(self) -> Scorer:
        key = (self.flavour, self.sha256, self.features, self.threads)
        with _lock:
            found = _loaded.get(key)
            if found is None:
                data = self.artifact if self.artifact is not None else self.broadcast.value
                if hashlib.sha256(data).hexdigest() != self.sha256:
                    raise RuntimeError("the model bytes changed on their way to the executor")
                found = load_scorer(
                    self.flavour, data, features=self.features, threads=self.threads
                )
                while len(_loaded) >= KEEP_LOADED:
                    del _loaded[next(iter(_loaded))]
                _loaded[key] = found
            return found


def score_frame(
    frame: Any,
    flavour: str,
    artifact: bytes,
    keys: Sequence[str],
    *,
    features: Sequence[str] | None = None,
    threads: int = 1,
    score_column: str = SCORE_COLUMN,
) -> Any:
    """A DataFrame of `keys` + `score_column` (double) for every row of `frame`, lazily.

    The model is loaded once on the driver first, so an unloadable artifact or a missing
    feature is refused here, before any task runs."""
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    scorer = load_scorer(flavour, artifact, features=features, threads=threads)
    source = to_arrow_schema(frame.schema)
    scorer.score(pa.RecordBatch.from_pylist([], schema=source))  # refuses a bad feature now
    schema = output_schema(source, keys, score_column)
    shipped = ShippedModel(
        flavour=flavour,
        sha256=hashlib.sha256(artifact).hexdigest(),
        features=tuple(features) if features is not None else None,
        threads=threads,
        **_ship(frame.sparkSession, artifact),
    )
    task = functools.partial(_score_partition, model=shipped, schema=schema)
    return frame.mapInArrow(task, from_arrow_schema(schema))


def _ship(spark: Any, artifact: bytes) -> dict[str, Any]:
    """How the bytes reach the tasks: a broadcast where the session has a SparkContext."""
    try:
        context = spark.sparkContext
    except Exception:  # Spark Connect: no SparkContext on the client
        return {"artifact": artifact}
    return {"broadcast": context.broadcast(artifact)}


def _score_partition(
    batches: Iterator[pa.RecordBatch], model: ShippedModel, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    scorer = model.scorer()
    yield from score_batches(batches, scorer, schema)
