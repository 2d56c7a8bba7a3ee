"""CSV files (RFC 4180) in UTF-8, UTF-8 with BOM, GBK/GB18030 or UTF-16, streamed with
pyarrow's incremental reader (which transcodes non-UTF-8 input block by block).

Encoding, delimiter and header are given or detected from the head (see `_encoding`,
`_csvlayout`); column types are inferred from the first rows (see `_csvtypes`). Empty
fields are null. Any problem is a `SourceError` naming the row (header = row 1) and column:
the fast reader stops, and a slower exact pass over the file finds where.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from connectors.errors import SourceError, SpecError
from connectors.sources import _csvlayout as layout_mod
from connectors.sources import _csvtypes as types_mod
from connectors.sources._encoding import Encoding, decode_head, normalize, read_head, resolve
from connectors.sources.base import (
    DEFAULT_BATCH_ROWS,
    FileFacts,
    TrackedFile,
    check_batch_rows,
    check_columns,
    file_path,
    rebatch,
)

DEFAULT_MAX_FIELD_BYTES = 256 << 10
# Types are inferred from the first 20,480 rows, as DuckDB's CSV sniffer samples; every later
# value is still checked against them (a misfit is an error naming its row and the fix).
DEFAULT_INFER_ROWS = 20_480
# Read blocks of 1 MiB (4 x the largest field): as fast as larger ones here, and the
# reader's memory then stays flat however many rows go by (8 MiB blocks grew it by half).
MIN_BLOCK_BYTES = 1 << 20


@dataclass(frozen=True)
class _Layout:
    encoding: Encoding
    delimiter: str
    header: bool
    names: list[str]
    schema: pa.Schema


class CsvSource:
    """A CSV file. `encoding`: "auto" or a codec name; `delimiter`: "auto" or one
    character; `header`: "auto", True or False; `column_types`: {"col": "string" | "int64" |
    "float64" | "bool" | "date" | "timestamp"} to override inference; `infer_types=False`
    keeps every column as text."""

    kind = "csv"

    def __init__(
        self,
        *,
        path: str | os.PathLike[str],
        encoding: str = "auto",
        delimiter: str = "auto",
        header: bool | Literal["auto"] = "auto",
        max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES,
        column_types: Mapping[str, Any] | None = None,
        infer_types: bool = True,
        infer_rows: int = DEFAULT_INFER_ROWS,
    ) -> None:
        if delimiter != "auto" and (
            not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n'
        ):
            raise SpecError(f"delimiter must be 'auto' or one character, not {delimiter!r}")
        if header not in ("auto", True, False):
            raise SpecError(f"header must be 'auto', true or false, not {header!r}")
        for name, value in (("max_field_bytes", max_field_bytes), ("infer_rows", infer_rows)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SpecError(f"{name} must be a positive integer, not {value!r}")
        if encoding != "auto":
            normalize(encoding)  # an unknown codec is a spec error now, not at read time
        self._facts = FileFacts(file_path(path))
        self._encoding = encoding
        self._delimiter = delimiter
        self._header = header
        self._max_field_bytes = max_field_bytes
        self._given_types = types_mod.parse_column_types(column_types)
        self._infer_types = bool(infer_types)
        self._infer_rows = infer_rows
        self._block_bytes = max(MIN_BLOCK_BYTES, 4 * max_field_bytes)
        self._layout: _Layout | None = None

    # -- the protocol ---------------------------------------------------------------------

    def schema(self) -> pa.Schema:
        return self._plan().schema

    def batches(
        self, batch_rows: int = DEFAULT_BATCH_ROWS, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        check_batch_rows(batch_rows)
        layout = self._plan()
        schema = check_columns(layout.schema, columns)
        return self._typed_pass(layout, schema, batch_rows)

    def describe(self) -> dict[str, Any]:
        layout = self._plan()
        facts = self._facts.describe()
        return {
            "kind": self.kind,
            **facts,
            "encoding": layout.encoding.name,
            "encoding_detected": layout.encoding.detected,
            "delimiter": layout.delimiter,
            "header": layout.header,
            "columns": {f.name: str(f.type) for f in layout.schema},
        }

    # -- layout and types, from the head ----------------------------------------------------

    def _plan(self) -> _Layout:
        if self._layout is not None:
            return self._layout
        path = self._facts.path
        encoding = resolve(path, self._encoding)
        head, whole = read_head(path)
        if not head:
            raise SourceError(f"{path.name!r} is empty")
        text = decode_head(head, encoding, whole)
        delimiter = (
            self._delimiter
            if self._delimiter != "auto"
            else layout_mod.sniff_delimiter(text, whole)
        )
        records = layout_mod.head_records(text, delimiter, whole)
        if not records:
            if whole:
                raise SourceError(f"{path.name!r} holds no rows")
            raise SourceError(
                f"the first row of {path.name!r} is longer than {layout_mod.SNIFF_CHARS} "
                "characters; give the delimiter and header explicitly",
                row=1,
            )
        first = records[0]
        header = layout_mod.looks_like_header(first) if self._header == "auto" else self._header
        if header and any(layout_mod.UNDECODABLE.search(name) for name in first):
            raise SourceError(
                f"the header has bytes that are not valid {encoding.name}; give the file's "
                "real encoding (for example encoding='gb18030' or 'utf-8')",
                row=1,
            )
        names = list(first) if header else [f"column_{i + 1}" for i in range(len(first))]
        if header:
            layout_mod.check_header(names)
        unknown = sorted(set(self._given_types) - set(names))
        if unknown:
            raise SpecError(f"column_types names columns the file does not have: {unknown}")
        text_schema = pa.schema([(name, pa.string()) for name in names])
        draft = _Layout(encoding, delimiter, bool(header), names, text_schema)
        head_batches = list(self._text_pass(draft, stop_after=self._infer_rows))
        head_table = pa.Table.from_batches(head_batches, schema=text_schema).slice(
            0, self._infer_rows
        )
        types = types_mod.infer_types(head_table, self._given_types, self._infer_types)
        schema = pa.schema([(name, types[name]) for name in names])
        self._layout = _Layout(encoding, delimiter, bool(header), names, schema)
        return self._layout

    # -- passes -----------------------------------------------------------------------------

    def _typed_pass(
        self, layout: _Layout, schema: pa.Schema, batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        """The columns of `schema` in batches of `batch_rows`, converted to its types (only
        those are converted). Batches are converted, not the reader's blocks (a few thousand
        rows each): the same work in a tenth of the calls. So are the fields' sizes checked."""
        first_row = 2 if layout.header else 1
        names = None if schema.names == layout.names else schema.names
        blocks = self._text_pass(layout, columns=names, checked=False)
        for batch in rebatch(blocks, batch_rows):
            self._check_field_sizes(batch, first_row)
            yield types_mod.cast_batch(batch, schema, first_row, self._given_types)
            first_row += batch.num_rows

    def _text_pass(
        self,
        layout: _Layout,
        stop_after: int | None = None,
        columns: Sequence[str] | None = None,
        *,
        checked: bool = True,
    ) -> Iterator[pa.RecordBatch]:
        """Every row as text (only `columns` when given: every field is still parsed), checked
        for size unless not `checked` (the caller checks); reads the whole file unless
        `stop_after`."""
        tracked = self._facts.open()
        rows = 0
        try:
            reader = self._open_reader(tracked, layout, columns)
            for batch in reader:
                if checked:
                    self._check_field_sizes(batch, rows + (2 if layout.header else 1))
                rows += batch.num_rows
                yield batch
                if stop_after is not None and rows >= stop_after:
                    return
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            tracked.check_unchanged()
            raise self._diagnosed(exc, layout, rows) from None
        except OSError as exc:
            tracked.check_unchanged()
            raise SourceError(f"cannot read {tracked.path.name!r}: {exc}") from None
        finally:
            tracked.close()
        self._facts.complete(tracked, rows)

    def _open_reader(
        self, tracked: TrackedFile, layout: _Layout, columns: Sequence[str] | None = None
    ) -> Any:
        reader = pa_csv.open_csv(
            tracked,
            read_options=pa_csv.ReadOptions(
                encoding=layout.encoding.arrow_name,
                block_size=self._block_bytes,
                use_threads=False,
                column_names=None if layout.header else layout.names,
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=layout.delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=True,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in layout.names},
                include_columns=list(columns) if columns is not None else None,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        if reader.schema.names != (layout.names if columns is None else list(columns)):
            raise SourceError(
                f"the header of {tracked.path.name!r} changed since its layout was read", row=1
            )
        return reader

    def _check_field_sizes(self, batch: pa.RecordBatch, first_row: int) -> None:
        limit = self._max_field_bytes
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            lengths = pc.binary_length(column)
            longest = pc.max(lengths).as_py()
            if longest is not None and longest > limit:
                index = pc.index(pc.greater(lengths, limit), True).as_py()
                raise SourceError(
                    f"a field is larger than the limit of {limit} bytes (max_field_bytes)",
                    row=first_row + index,
                    column=name,
                )

    def _diagnosed(self, exc: Exception, layout: _Layout, rows_done: int) -> SourceError:
        found = layout_mod.diagnose(
            self._facts.path,
            encoding=layout.encoding.name,
            delimiter=layout.delimiter,
            names=layout.names,
            header=layout.header,
            max_field_bytes=self._max_field_bytes,
        )
        if found is not None:
            return found
        next_row = rows_done + (2 if layout.header else 1)
        if isinstance(exc, UnicodeDecodeError):
            return SourceError(
                f"bytes that are not valid {layout.encoding.name}; give the file's real encoding",
                row=next_row,
            )
        if "straddl" in str(exc):
            return SourceError(
                f"a row is larger than the read block of {self._block_bytes} bytes",
                row=next_row,
            )
        return SourceError(
            f"{self._facts.path.name!r} cannot be read as CSV from this row on: "
            f"{layout_mod.without_values(str(exc))}",
            row=next_row,
        )
