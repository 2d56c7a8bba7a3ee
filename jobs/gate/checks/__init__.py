"""The gate's built-in checks, one per module; importing this package registers them.

Table checks, in order: max_rows (block), count_columns (declared count columns exist and
are numeric; block), identifier_columns (by classification or name; block),
identifier_values (cells that look like ID numbers, phones, cards, e-mails; block),
min_cell_count (suppress small counts; fixed), rounding (round counts; fixed).
File checks, in order: regular_file, file_type, file_size (block), file_content (a PNG is a
PNG, a JSON parses; csv and parquet are read and then checked as tables).
"""

from jobs.gate.checks import (
    count_columns,
    file_content,
    file_size,
    file_type,
    identifier_columns,
    identifier_values,
    max_rows,
    min_cell_count,
    regular_file,
    rounding,
)

__all__ = [
    "count_columns",
    "file_content",
    "file_size",
    "file_type",
    "identifier_columns",
    "identifier_values",
    "max_rows",
    "min_cell_count",
    "regular_file",
    "rounding",
]
