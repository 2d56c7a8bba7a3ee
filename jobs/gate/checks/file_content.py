"""A file is what its extension says: a PNG is a well-formed PNG with nothing after its end
(no data smuggled behind the image), a JSON parses, a CSV or Parquet reads as a table, which
the gate then checks like any table output (and releases as re-written from that table).
Tables are read under the zone's bounds: a Parquet file declaring more rows than an output
may have, or more bytes than a reader may hold, is refused from its footer alone."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pyarrow as pa

from jobs.errors import LimitExceeded
from jobs.gate.model import CheckOutcome, FileContext
from jobs.gate.registry import file_check
from jobs.outputs import OutputBounds, TooManyRows, read_csv_bounded, read_parquet_bounded

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_problem(data: bytes) -> str | None:
    """Why `data` is not a well-formed PNG ending at its IEND chunk, or None."""
    if not data.startswith(PNG_SIGNATURE):
        return "does not start with the PNG signature"
    at = len(PNG_SIGNATURE)
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        at += 12 + length
        if at > len(data):
            return f"chunk {kind!r} runs past the end of the file"
        if kind == b"IEND":
            extra = len(data) - at
            return f"has {extra} bytes after the end of the image" if extra else None
    return "has no IEND chunk: the image is cut short"


def read_table(path: Path, kind: str, bounds: OutputBounds) -> pa.Table:
    """The file's table, read under `bounds` (a Parquet footer is judged before any page)."""
    if kind == "csv":
        return read_csv_bounded(path, bounds)
    return read_parquet_bounded(path, bounds)


@file_check("file_content", order=40)
def check(ctx: FileContext) -> CheckOutcome:
    kind = ctx.file_type
    if kind == "png":
        problem = png_problem(ctx.path.read_bytes())
        return CheckOutcome(
            [ctx.finding("file_content", f"not a valid PNG: {problem}")] if problem else []
        )
    if kind == "json":
        try:
            json.loads(ctx.path.read_bytes().decode("utf-8"))
        except ValueError as exc:
            return CheckOutcome([ctx.finding("file_content", f"not valid JSON: {exc}")])
        return CheckOutcome()
    if kind in ("csv", "parquet"):
        bounds = OutputBounds(max_rows=ctx.rules.max_rows, max_bytes=ctx.rules.max_table_bytes)
        try:
            table = read_table(ctx.path, kind, bounds)
        except LimitExceeded as exc:
            rule = "max_rows" if isinstance(exc, TooManyRows) else "file_content"
            return CheckOutcome([ctx.finding(rule, f"refused before reading: {exc.message}")])
        except (pa.ArrowException, OSError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            first = ": ".join(first.split(": ")[:2])  # CSV errors go on to quote the row
            return CheckOutcome([ctx.finding("file_content", f"cannot be read as {kind}: {first}")])
        return CheckOutcome(table=table)
    return CheckOutcome()
