"""JSON lines: one JSON object per line, read in chunks of whole lines, each parsed by
pyarrow's JSON reader.

The columns are the union of the keys of every line, so `schema()` reads the whole file
once (and counts its rows); a key missing from a line is null there. A key holding
integers in some lines and decimals in others becomes float64; a key whose values are
never anything but null becomes text. Errors name the line (1-based, blank lines counted)
as the row: a line that is not valid JSON or not an object, a key whose values change kind
(a number here, text there), a line longer than `max_line_bytes`.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.json as pa_json

from connectors.errors import SourceError, SpecError
from connectors.sources._encoding import Encoding, normalize, resolve
from connectors.sources.base import (
    DEFAULT_BATCH_ROWS,
    FileFacts,
    check_batch_rows,
    check_columns,
    file_path,
    rebatch,
    select,
)

CHUNK_BYTES = 8 << 20
PARSE_BLOCK_BYTES = 1 << 20
DEFAULT_MAX_LINE_BYTES = 16 << 20


def _kind(value: Any) -> str | None:
    """The JSON kind of a decoded value (None for null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _arrow_kind(type_: pa.DataType) -> str | None:
    if pa.types.is_null(type_):
        return None
    if pa.types.is_boolean(type_):
        return "boolean"
    if pa.types.is_integer(type_) or pa.types.is_floating(type_):
        return "number"
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return "string"
    if pa.types.is_timestamp(type_):
        return "string"
    return "array" if pa.types.is_list(type_) or pa.types.is_large_list(type_) else "object"


class JsonLinesSource:
    """A JSON lines file; `encoding`: "auto" (UTF-8 or GB18030), or a codec name."""

    kind = "jsonl"

    def __init__(
        self,
        *,
        path: str | os.PathLike[str],
        encoding: str = "auto",
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        if isinstance(max_line_bytes, bool) or not isinstance(max_line_bytes, int):
            raise SpecError("max_line_bytes must be a positive integer")
        if max_line_bytes < 1:
            raise SpecError("max_line_bytes must be a positive integer")
        if encoding != "auto":
            normalize(encoding)  # an unknown codec is a spec error now, not at read time
        self._facts = FileFacts(file_path(path))
        self._encoding_given = encoding
        self._max_line_bytes = max_line_bytes
        self._encoding: Encoding | None = None
        self._schema: pa.Schema | None = None

    # -- the protocol ---------------------------------------------------------------------

    def schema(self) -> pa.Schema:
        if self._schema is None:
            schema: pa.Schema | None = None
            rows = 0
            for first_line, chunk, block in self._chunks():
                table = self._parse(chunk, first_line, block, None, schema)
                rows += table.num_rows
                schema = self._unify(schema, table.schema, chunk, first_line)
            if schema is None or (rows == 0 and not schema.names):
                raise SourceError(f"{self._facts.path.name!r} holds no JSON objects: no rows")
            self._facts.rows = rows
            self._schema = pa.schema(
                [f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema]
            )
        return self._schema

    def batches(
        self, batch_rows: int = DEFAULT_BATCH_ROWS, columns: Sequence[str] | None = None
    ) -> Iterator[pa.RecordBatch]:
        check_batch_rows(batch_rows)
        schema = self.schema()
        check_columns(schema, columns)
        return rebatch(select(self._pass(schema), columns), batch_rows)

    def describe(self) -> dict[str, Any]:
        schema = self.schema()
        assert self._encoding is not None
        return {
            "kind": self.kind,
            **self._facts.describe(),
            "encoding": self._encoding.name,
            "encoding_detected": self._encoding.detected,
            "columns": {f.name: str(f.type) for f in schema},
        }

    # -- reading ----------------------------------------------------------------------------

    def _pass(self, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
        for first_line, chunk, block in self._chunks():
            yield from self._parse(chunk, first_line, block, schema, schema).to_batches()

    def _chunks(self) -> Iterator[tuple[int, bytes, int]]:
        """(number of the first line, whole lines as UTF-8, a parser block size that holds
        the longest line) over the file, then checks the file was read whole and unchanged."""
        if self._encoding is None:
            self._encoding = resolve(self._facts.path, self._encoding_given)
            if self._encoding.name.startswith("utf-16"):
                raise SpecError("JSON lines must be in UTF-8 or GB18030/GBK")
        encoding = self._encoding
        tracked = self._facts.open()
        line = 1
        carry = b""
        with tracked:
            while True:
                buffer = bytearray(CHUNK_BYTES)
                n = tracked.readinto(buffer)
                data = carry + bytes(buffer[:n])
                if n == 0:
                    cut = len(data)
                else:
                    cut = data.rfind(b"\n") + 1
                    if cut == 0:
                        if len(data) > self._max_line_bytes:
                            raise SourceError(
                                f"a line is longer than {self._max_line_bytes} bytes "
                                "(max_line_bytes)",
                                row=line,
                            )
                        carry = data
                        continue
                chunk, carry = data[:cut], data[cut:]
                longest = self._longest_line(chunk, line)
                if line == 1:
                    chunk = chunk.removeprefix(b"\xef\xbb\xbf")
                if chunk.strip():
                    # transcoding to UTF-8 makes a GBK line at most 1.5 times longer
                    block = max(PARSE_BLOCK_BYTES, 2 * longest + 2)
                    yield line, self._to_utf8(chunk, line, encoding), block
                line += chunk.count(b"\n")
                if n == 0:
                    break
        self._facts.complete(tracked, None)

    def _longest_line(self, chunk: bytes, first_line: int) -> int:
        """Length of the longest line of `chunk`; an error naming a line over the limit."""
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == ord("\n"))
        starts = np.concatenate([[0], ends + 1])
        lengths = np.concatenate([ends, [len(chunk)]]) - starts
        too_long = np.flatnonzero(lengths > self._max_line_bytes)
        if len(too_long):
            raise SourceError(
                f"a line is longer than {self._max_line_bytes} bytes (max_line_bytes)",
                row=first_line + int(too_long[0]),
            )
        return int(lengths.max()) if len(lengths) else 0

    def _to_utf8(self, chunk: bytes, first_line: int, encoding: Encoding) -> bytes:
        try:
            text = chunk.decode(encoding.name)
        except UnicodeDecodeError as exc:
            bad_line = first_line + chunk.count(b"\n", 0, exc.start)
            raise SourceError(
                f"bytes that are not valid {encoding.name}; give the file's real encoding",
                row=bad_line,
            ) from None
        return chunk if encoding.is_utf8 else text.encode("utf-8")

    def _parse(
        self,
        chunk: bytes,
        first_line: int,
        block: int,
        schema: pa.Schema | None,
        known: pa.Schema | None,
    ) -> pa.Table:
        parse_options = (
            pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
            if schema is not None
            else pa_json.ParseOptions()
        )
        try:
            return pa_json.read_json(
                io.BytesIO(chunk),
                read_options=pa_json.ReadOptions(use_threads=True, block_size=block),
                parse_options=parse_options,
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise self._locate(chunk, first_line, known, exc) from None

    def _unify(
        self, schema: pa.Schema | None, new: pa.Schema, chunk: bytes, first_line: int
    ) -> pa.Schema:
        if schema is None:
            return new
        try:
            return pa.unify_schemas([schema, new], promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise self._locate(chunk, first_line, schema, exc) from None

    def _locate(
        self, chunk: bytes, first_line: int, known: pa.Schema | None, exc: Exception
    ) -> SourceError:
        """Find the line of a problem the fast parser reported (slow; only on errors)."""
        kinds = {f.name: _arrow_kind(f.type) for f in known} if known is not None else {}
        for offset, raw in enumerate(chunk.split(b"\n")):
            line_no = first_line + offset
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as err:
                return SourceError(
                    f"not valid JSON: {err.msg} at character {err.colno}", row=line_no
                )
            if not isinstance(value, dict):
                return SourceError("the line is not a JSON object", row=line_no)
            for key, item in value.items():
                kind = _kind(item)
                seen = kinds.get(key)
                if kind is not None and seen is not None and kind != seen:
                    return SourceError(
                        f"the key holds {_article(kind)} here but {_article(seen)} in earlier "
                        "lines; a column needs values of one kind",
                        row=line_no,
                        column=key,
                    )
                if kind is not None:
                    kinds[key] = kind
        reason = str(exc).split(" in row ")[0]
        last_line = first_line + chunk.count(b"\n")
        return SourceError(f"cannot read the lines {first_line}-{last_line}: {reason}")


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
