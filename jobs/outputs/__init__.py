"""Reading what a job wrote, under bounds: a file's own description of itself is checked
before its content is loaded, and the content is read in batches against the same bounds."""

from jobs.outputs.bounds import OutputBounds, TooManyRows
from jobs.outputs.csv_table import read_csv_bounded
from jobs.outputs.parquet_table import inspect_parquet, read_parquet_bounded

__all__ = [
    "OutputBounds",
    "TooManyRows",
    "inspect_parquet",
    "read_csv_bounded",
    "read_parquet_bounded",
]
