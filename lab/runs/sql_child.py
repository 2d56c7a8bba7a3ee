"""The SQL job's child process: `python -m lab.runs.sql_child` (see jobs.engines.sql_child).

The lab's only part in it is the key client: the child opens its inputs with the
dataset-version keys it was handed, through the same Parquet decryption as every reader.
It is given no master key, no metastore and no settings.
"""

from __future__ import annotations

import sys

import pyarrow.dataset as ds

from jobs.engines.sql_child import serve
from jobs.engines.sql_wire import InputFiles
from lab.arrow_memory import use_jemalloc
from lab.storage.kms import parquet_format


def open_input(files: InputFiles) -> ds.Dataset:
    """A decrypting dataset over one input's files, with that input's keys only."""
    return ds.dataset(list(files.paths), format=parquet_format(files.keys))


if __name__ == "__main__":
    use_jemalloc()
    sys.exit(serve(open_input))
