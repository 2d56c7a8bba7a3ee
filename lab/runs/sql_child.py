"""The SQL job's child process: `python -m lab.runs.sql_child` (see jobs.engines.sql_child).

The lab's only part in it is the key client: the child opens its inputs with the
dataset-version keys it was handed, through the same Parquet decryption as every reader.
It is given no master key, no metastore and no settings.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from jobs.engines.sql import SqlLimits, run_sql
from jobs.engines.sql_child import serve
from jobs.engines.sql_wire import InputFiles
from lab.arrow_memory import use_jemalloc
from lab.storage.kms import encryption_properties, parquet_format


def open_input(files: InputFiles) -> ds.Dataset:
    """A decrypting dataset over one input's files, with that input's keys only.

    String and binary columns are read as dictionaries: DuckDB takes Arrow dictionaries as
    they are, where plain strings are decoded by Arrow and converted again by DuckDB
    (measured on 10M rows with a string group key: 250 ms instead of 610)."""
    encrypted = parquet_format(files.keys)
    paths = list(files.paths)
    schema = ds.dataset(paths, format=encrypted).schema
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_binary(f.type)]
    if not text:
        return ds.dataset(paths, format=encrypted)
    dictionaries = ds.ParquetFileFormat(
        read_options=ds.ParquetReadOptions(dictionary_columns=text),
        default_fragment_scan_options=encrypted.default_fragment_scan_options,
    )
    return ds.dataset(paths, format=dictionaries)


def warm_up() -> None:
    """One query over a small encrypted file, through the same path as a job's inputs (key
    client, decrypting dataset, DuckDB's scan of it), so that no job pays for lazy set-up."""
    key = os.urandom(32)
    with tempfile.TemporaryDirectory(prefix="lab-sql-warm-") as tmp:
        path = Path(tmp) / "warm.parquet"
        table = pa.table({"g": ["a", "b"], "x": [1.0, 2.0]})
        pq.write_table(table, path, encryption_properties=encryption_properties("warm", key))
        source = open_input(InputFiles((str(path),), {"warm": key}))
        run_sql(
            "SELECT g, count(*) AS n, avg(x) AS m FROM t GROUP BY g",
            {"t": source},
            limits=SqlLimits(wall_seconds=10, max_rows=10, memory_mb=64, threads=2),
            temp_dir=Path(tmp) / "tmp",
        )


if __name__ == "__main__":
    use_jemalloc()
    sys.exit(serve(open_input, warm_up))
