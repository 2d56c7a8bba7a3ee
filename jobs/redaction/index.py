"""What a job's inputs hold, as keyed hashes: the redaction's list of values not to show.

`build_index` reads each input once per column with DuckDB (only that column is read and
decrypted), takes its distinct values and turns them into keys (`tokens.value_keys`,
`tokens.number_keys`). Each key is kept as the first 8 bytes of its HMAC-SHA256 under a
random key of this index alone: the index holds no value in the clear, and it is never
written anywhere. Lookups hash the candidate keys of a text the same way and search the
sorted array.

Bounds, so that a large input cannot take the worker's memory:
- at most `max_values_per_column` distinct values of a column are read (default 1,000,000);
- at most `max_entries` distinct hashed keys are kept (default 8,000,000, i.e. 64 MB at 8
  bytes each; building briefly needs twice that, plus one batch of 65,536 values).
Past either bound the index is partial (`complete` is False, `partial` names the columns
indexed in part or not at all) and the redaction adds shape rules for what the index may
miss (see `text.redact`). A collision of two 64-bit hashes makes a word redacted for
nothing; it never lets a value through.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.dataset as pads

from connectors.operators._keyed import hmac_sha256_rows
from connectors.residual.hashes import distinct
from jobs.redaction import bulk_keys
from jobs.redaction.tokens import MIN_NUMBER_CHARS

Hashes = npt.NDArray[np.uint64]
MAX_VALUES_PER_COLUMN = 1_000_000
MAX_ENTRIES = 8_000_000
SCAN_BATCH = 65_536
SCAN_MEMORY_MB = 512
MAX_CJK_SUBSTRING = 32
"""Longest CJK token looked for inside longer runs of CJK text."""


@dataclass(frozen=True)
class ValueIndex:
    key: bytes
    hashes: Hashes  # sorted, distinct
    longest_cjk: int  # longest CJK key indexed (at most MAX_CJK_SUBSTRING)
    partial: tuple[str, ...] = ()  # "<input>.<column>" indexed in part or not at all

    @property
    def complete(self) -> bool:
        return not self.partial

    @property
    def size(self) -> int:
        return len(self.hashes)

    @classmethod
    def empty(cls) -> ValueIndex:
        return cls(secrets.token_bytes(32), np.empty(0, np.uint64), 0)

    def hash(self, keys: Sequence[str]) -> Hashes:
        return _hash(self.key, keys)

    def contains(self, keys: Sequence[str]) -> npt.NDArray[np.bool_]:
        """For each key, whether the inputs hold it."""
        if not keys or not len(self.hashes):
            return np.zeros(len(keys), dtype=np.bool_)
        probe = self.hash(keys)
        order = np.argsort(probe)  # sorted probes walk the index in order: far fewer misses
        at = np.searchsorted(self.hashes, probe[order])
        at[at == len(self.hashes)] = 0
        found = np.empty(len(probe), dtype=np.bool_)
        found[order] = self.hashes[at] == probe[order]
        return found


def _hash(key: bytes, keys: Sequence[str] | pa.Array) -> Hashes:
    if not len(keys):
        return np.empty(0, np.uint64)
    array = keys if isinstance(keys, pa.Array) else pa.array(keys, pa.string())
    digests = hmac_sha256_rows(key, array)
    head = np.ascontiguousarray(digests[:, :8])
    hashed: Hashes = head.view(np.uint64).ravel()
    return hashed


class IndexBuilder:
    """Collects keys batch by batch, within `max_entries`."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES) -> None:
        self.key = secrets.token_bytes(32)
        self.max_entries = max_entries
        self.parts: list[Hashes] = []
        self.entries = 0
        self.longest_cjk = 0
        self.partial: list[str] = []

    @property
    def full(self) -> bool:
        return self.entries >= self.max_entries

    def add(self, keys: pa.Array, column: str) -> bool:
        """Adds the keys of one batch; False (and `column` marked partial) once full."""
        if self.entries + len(keys) > self.max_entries:
            keys = keys.slice(0, self.max_entries - self.entries)
            self.mark_partial(column)
        if len(keys):
            self.parts.append(distinct(_hash(self.key, keys)))
            self.entries += len(self.parts[-1])
        return not self.full

    def add_values(self, values: pa.Array, column: str) -> bool:
        keys, longest = bulk_keys.text_keys(values)
        self.longest_cjk = max(self.longest_cjk, min(longest, MAX_CJK_SUBSTRING))
        return self.add(keys, column)

    def add_numbers(self, texts: pa.Array, column: str) -> bool:
        return self.add(bulk_keys.number_keys(texts), column)

    def add_keys(self, keys: pa.Array, column: str) -> bool:
        return self.add(keys, column)

    def mark_partial(self, column: str) -> None:
        if column not in self.partial:
            self.partial.append(column)

    def build(self) -> ValueIndex:
        hashes = distinct(np.concatenate(self.parts)) if self.parts else np.empty(0, np.uint64)
        return ValueIndex(self.key, hashes, self.longest_cjk, tuple(self.partial))


def build_index(
    tables: Mapping[str, pa.Table | pads.Dataset],
    *,
    columns: Mapping[str, Collection[str]] | None = None,
    max_values_per_column: int = MAX_VALUES_PER_COLUMN,
    max_entries: int = MAX_ENTRIES,
) -> ValueIndex:
    """The index of every text, number and date value of `tables` (name -> Arrow data).

    `columns` (table name -> columns) narrows a table to what the job could read."""
    builder = IndexBuilder(max_entries=max_entries)
    con = duckdb.connect(":memory:", config={"memory_limit": f"{SCAN_MEMORY_MB}MB"})
    try:
        for name, table in tables.items():
            con.register("scanned", table)
            keep = (columns or {}).get(name)
            for field in table.schema:
                if keep is not None and field.name not in keep:
                    continue
                label = f"{name}.{field.name}"
                if builder.full:
                    builder.mark_partial(label)
                    continue
                _scan_column(con, builder, field, label, max_values_per_column)
            con.unregister("scanned")
    finally:
        con.close()
    return builder.build()


def _scan_column(con: Any, builder: IndexBuilder, field: pa.Field, label: str, cap: int) -> None:
    kind = _kind(field.type)
    if kind is None:
        return
    column = '"' + field.name.replace('"', '""') + '"'
    add = {
        "text": builder.add_values,
        "nested": builder.add_values,
        "number": builder.add_numbers,
        "integer": builder.add_keys,
    }
    if kind == "integer":  # the digits are the key: no text to cut, done by DuckDB
        bound = 10 ** (MIN_NUMBER_CHARS - 1)
        value = f"ltrim(CAST({column} AS VARCHAR), '-')"
        where = f"{column} <= -{bound} OR {column} >= {bound}"
    else:
        value = column if kind == "text" else f"CAST({column} AS VARCHAR)"
        where = f"{column} IS NOT NULL"
    query = f"SELECT DISTINCT {value} AS v FROM scanned WHERE {where} LIMIT {cap + 1}"  # noqa: S608 - a quoted column name, no user text
    reader = con.sql(query).to_arrow_reader(SCAN_BATCH)
    seen = 0
    for batch in reader:
        values = batch.column(0)
        if seen + len(values) > cap:
            values = values.slice(0, cap - seen)
            builder.mark_partial(label)
        seen += len(values)
        if not add[kind](values.cast(pa.string()), label) or seen >= cap:
            return


def _kind(kind: pa.DataType) -> str | None:
    """How a column's values are indexed: as text, as numbers, or not at all (booleans,
    bytes: nothing a log would print as a value of its own)."""
    if pa.types.is_dictionary(kind):
        return _kind(kind.value_type)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or _is_string_view(kind):
        return "text"
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind) or pa.types.is_temporal(kind):
        return "number"
    if pa.types.is_nested(kind):
        return "nested"  # lists, structs, maps: the tokens of their text
    return None


def _is_string_view(kind: pa.DataType) -> bool:
    test = getattr(pa.types, "is_string_view", None)
    return bool(test is not None and test(kind))
