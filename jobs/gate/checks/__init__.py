"""The gate's built-in checks, one per module; importing this package registers them.

Table checks, in order: max_rows (block), contributors (rows of a proved-aggregate output
standing for too few input rows or entities are removed; fixed), lineage_notes (what the
lineage asks a reviewer to see; review), count_columns (declared count columns exist and
are numeric; block), identifier_columns (for outputs without lineage: by classification or
name; block), identifier_values (cells that look like ID numbers, phones, cards, e-mails;
block), value_overlap (values of an input identifier column; block), pii_classifier (the
import's classifier on a sample; block), min_cell_count (suppress small count cells; fixed),
rounding (round counts; fixed).
File checks, in order: regular_file, file_type, file_size (block), file_content (a PNG is a
PNG, a JSON parses; csv and parquet are read and then checked as tables).
"""

from jobs.gate.checks import (
    contributors,
    count_columns,
    file_content,
    file_size,
    file_type,
    identifier_columns,
    identifier_values,
    lineage_notes,
    max_rows,
    min_cell_count,
    pii_classifier,
    regular_file,
    rounding,
    value_overlap,
)

__all__ = [
    "contributors",
    "count_columns",
    "file_content",
    "file_size",
    "file_type",
    "identifier_columns",
    "identifier_values",
    "lineage_notes",
    "max_rows",
    "min_cell_count",
    "pii_classifier",
    "regular_file",
    "rounding",
    "value_overlap",
]
