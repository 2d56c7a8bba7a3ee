"""The exact bytes an output would leave as, and what a reviewer sees of it.

One function decides the bytes, so what a reviewer approves, what is hashed into the audit
log and what the partner fetches are the same: a table leaves as CSV (UTF-8, with a header
row) written from the dataset version the gate left (after suppression and rounding); a
file leaves as its bytes, exactly as stored.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv

from lab.context import Lab
from lab.errors import Conflict
from lab.releases.schemas import OutputContent
from lab.runs.artifacts import read_files

CONTENT_TYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".png": "image/png",
    ".parquet": "application/vnd.apache.parquet",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
}
"""By file suffix; anything else is served as opaque bytes."""
FALLBACK_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Candidate:
    """One output as it would leave the zone."""

    output: str
    kind: str
    file_name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def content_type_of(file_name: str) -> str:
    return CONTENT_TYPES.get(PurePath(file_name).suffix.lower(), FALLBACK_TYPE)


def is_file(entry: Mapping[str, Any]) -> bool:
    """A file output names its file; a table output does not."""
    return bool(entry.get("file_name"))


def candidate(lab: Lab, output: str, entry: Mapping[str, Any]) -> Candidate:
    """The bytes that would leave for `output`, from the version its entry names."""
    version_id = str(entry["version_id"])
    kind = str(entry.get("kind", "table"))
    if is_file(entry):
        name = str(entry["file_name"])
        files = read_files(lab, version_id)
        if name not in files:
            raise Conflict(f"output {output!r}: file {name!r} is not in its stored version")
        return Candidate(output, kind, name, content_type_of(name), files[name])
    with lab.read() as session:
        table = lab.store.read_table(session, version_id)
    name = f"{output}.csv"
    return Candidate(output, kind, name, content_type_of(name), table_to_csv(output, table))


def table_to_csv(output: str, table: pa.Table) -> bytes:
    """CSV, UTF-8, header row; a column CSV cannot hold (nested, binary) is refused."""
    buffer = io.BytesIO()
    try:
        pa_csv.write_csv(table, buffer)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise Conflict(
            f"output {output!r} cannot leave as CSV: a column has a type CSV cannot hold "
            f"({type(exc).__name__}); write it as plain columns"
        ) from None
    return buffer.getvalue()


def csv_rows(content: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of a released CSV, read back from the bytes that left."""
    if not content.strip():
        return [], []
    table = pa_csv.read_csv(io.BytesIO(content))
    return table.column_names, table.to_pylist()


def preview(lab: Lab, output: str, entry: Mapping[str, Any]) -> OutputContent:
    """What a reviewer sees of an output inside the lab: a table's rows as the gate left
    them, or a file's name, type, size and hash (its bytes are checked, not rendered)."""
    found = candidate(lab, output, entry)
    shown = OutputContent(
        output=output,
        kind=found.kind,
        file_name=found.file_name,
        content_type=found.content_type,
        bytes=len(found.content),
        sha256=found.sha256,
    )
    if not is_file(entry):
        shown.columns, shown.rows = csv_rows(found.content)
    return shown
