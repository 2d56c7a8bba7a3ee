"""Scoring on Spark, for large inputs: the same verified model bytes and the same bands as
in process (`jobs.models.scoring.run_scoring_spark`), so the same scores and counts.

Runs inside the scoring child. The dataset's needed columns are decrypted into the job's
private folder (Spark reads Parquet Modular Encryption only through a Java key client),
then read by a local Spark (`local[N]`); with a Spark Connect cluster
(`LAB_SPARK_CLUSTER`), the rows are sent from the child, as Spark jobs' own inputs are, and
the cluster never holds lab keys or stored files. The folder is removed with the job.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from jobs.models.scoring import ScoreBands, ScoringRun, run_scoring_spark
from lab.scoring import request as wire


def _session(master: str) -> Any:
    from pyspark.sql import SparkSession

    if master.startswith("sc://"):
        return SparkSession.builder.remote(master).getOrCreate()
    os.environ.update(PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1")
    session = (
        SparkSession.builder.master(master)
        .appName("lab-score")
        .config("spark.ui.enabled", "false")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def score_on_spark(
    ask: wire.ScoreRequest,
    data: pads.Dataset,
    columns: list[str],
    features: list[str],
    flavour: str,
    artifact: bytes,
    bands: ScoreBands,
) -> ScoringRun:
    """Score `data` on Spark into the folder `scores.parquet` of the job's private folder."""
    plain = ask.out / wire.SPARK_INPUT
    projected = data.to_table(columns=columns) if ask.spark_master.startswith("sc://") else None
    if projected is None:
        schema = pa.schema([data.schema.field(c) for c in columns])
        with pq.ParquetWriter(plain, schema) as writer:
            for batch in data.to_batches(columns=columns):
                writer.write_batch(batch)
    spark = _session(ask.spark_master)
    try:
        if projected is not None:
            frame = spark.createDataFrame(projected.to_pandas())
        else:
            frame = spark.read.parquet(str(plain))
        return run_scoring_spark(
            frame, flavour, artifact, ask.key, bands, str(ask.out / wire.SCORES),
            label_column=ask.label, features=features,
        )  # fmt: skip
    finally:
        spark.stop()
