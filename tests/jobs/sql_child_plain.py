"""A SQL child over plain (unencrypted) Parquet, for the library's own tests: the lab's child
(`lab.runs.sql_child`) differs only in opening its inputs with their keys."""

from __future__ import annotations

import sys

import pyarrow.dataset as ds

from jobs.engines.sql_child import serve
from jobs.engines.sql_wire import InputFiles


def open_input(files: InputFiles) -> ds.Dataset:
    return ds.dataset(list(files.paths), format="parquet")


if __name__ == "__main__":
    sys.exit(serve(open_input))
