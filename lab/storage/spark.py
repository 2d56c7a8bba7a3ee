"""Reading encrypted versions in Spark: each task decrypts its own files with pyarrow.

Spark's own Parquet reader needs a Java key client; instead the driver lists a version's
files and hands the tasks (through `mapInArrow`) the file paths plus the unwrapped data key
of that version only. Tasks never see the master key, a zone-tenant key, or the metastore.
In a cluster, turn on Spark's RPC authentication and encryption (`spark.authenticate`,
`spark.network.crypto.enabled`): task closures carry the data keys.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from lab.storage.catalog import ready_version
from lab.storage.kms import decryption_properties
from lab.storage.reader import data_keys_for, version_files

_BATCH_ROWS = 64 * 1024

ArrowMapFunction = Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]


@dataclass(frozen=True)
class SparkInput:
    """What Spark tasks need to read one ready version: its files and its data key."""

    version_id: str
    files: tuple[str, ...]
    keys: Mapping[str, bytes]
    schema: pa.Schema


def spark_input(session: Session, home: Path, master: bytes, version_id: str) -> SparkInput:
    """Resolve a ready version for Spark on the driver (metastore and master key stay here)."""
    row = ready_version(session, version_id)
    files = tuple(str(p) for p in version_files(home, row))
    keys = data_keys_for(session, master, [version_id])
    schema = pq.ParquetFile(
        files[0], decryption_properties=decryption_properties(keys)
    ).schema_arrow
    return SparkInput(version_id=version_id, files=files, keys=keys, schema=schema)


def _read_files(
    batches: Iterator[pa.RecordBatch], *, keys: dict[str, bytes], schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """Runs in a Spark task: decrypt and stream the files named in the `path` column."""
    properties = decryption_properties(keys)
    for batch in batches:
        for path in batch.column("path").to_pylist():
            with pq.ParquetFile(path, decryption_properties=properties) as parquet:
                for chunk in parquet.iter_batches(batch_size=_BATCH_ROWS):
                    yield chunk if chunk.schema.equals(schema) else chunk.cast(schema)


def task_function(source: SparkInput, target: pa.Schema) -> ArrowMapFunction:
    """The function shipped to the tasks; its closure holds only `source.keys`."""
    return functools.partial(_read_files, keys=dict(source.keys), schema=target)


def read_spark(spark: Any, source: SparkInput) -> Any:
    """A Spark DataFrame over the version, one partition per file."""
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema
    from pyspark.sql.types import StringType, StructField, StructType

    spark_schema = from_arrow_schema(source.schema)
    target = to_arrow_schema(spark_schema)
    paths = spark.sparkContext.parallelize([(p,) for p in source.files], len(source.files))
    listing = spark.createDataFrame(paths, StructType([StructField("path", StringType(), False)]))
    return listing.mapInArrow(task_function(source, target), spark_schema)
