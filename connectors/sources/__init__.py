"""Sources: partner data streamed as Arrow record batches, one module per kind.

    source = open_source({"kind": "csv", "path": "merchants.csv", "encoding": "auto"})
    for batch in source.batches(65_536): ...

Spec keys besides "kind" are the keyword arguments of the kind's class:

- csv: path, encoding ("auto" | codec), delimiter ("auto" | char), header ("auto" | bool),
  max_field_bytes, column_types, infer_types, infer_rows (`CsvSource`)
- parquet: path, columns (`ParquetSource`)
- jsonl: path, encoding, max_line_bytes (`JsonLinesSource`)
- sql: url, table or query (`SqlSource`)
- synthetic: rows, seed, locale ("zh_CN" | "en_US"), profile ("bench" | "full")
  (`SyntheticSource`)
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from connectors.errors import SpecError
from connectors.sources.base import DEFAULT_BATCH_ROWS, Source
from connectors.sources.csv import CsvSource
from connectors.sources.jsonl import JsonLinesSource
from connectors.sources.parquet import ParquetSource
from connectors.sources.sql import SqlSource
from connectors.sources.synthetic import SyntheticSource

SOURCES: dict[str, type] = {
    CsvSource.kind: CsvSource,
    ParquetSource.kind: ParquetSource,
    JsonLinesSource.kind: JsonLinesSource,
    SqlSource.kind: SqlSource,
    SyntheticSource.kind: SyntheticSource,
}


def spec_keys(kind: str) -> tuple[list[str], list[str]]:
    """(required, optional) spec keys of a source kind."""
    parameters = inspect.signature(SOURCES[kind]).parameters.values()
    required = [p.name for p in parameters if p.default is inspect.Parameter.empty]
    optional = [p.name for p in parameters if p.default is not inspect.Parameter.empty]
    return required, optional


def open_source(spec: Mapping[str, Any]) -> Source:
    """The source a spec describes: {"kind": ..., **that kind's options}."""
    if not isinstance(spec, Mapping):
        raise SpecError("a source spec is a mapping with a 'kind'")
    kind = spec.get("kind")
    if kind not in SOURCES:
        raise SpecError(f"unknown source kind {kind!r}; use one of {sorted(SOURCES)}")
    options = {k: v for k, v in spec.items() if k != "kind"}
    required, optional = spec_keys(kind)
    unknown = sorted(set(options) - set(required) - set(optional))
    if unknown:
        raise SpecError(
            f"unknown option(s) {unknown} for a {kind} source; it takes {required + optional}"
        )
    missing = [name for name in required if name not in options]
    if missing:
        raise SpecError(f"a {kind} source needs {missing}")
    source: Source = SOURCES[kind](**options)
    return source


__all__ = [
    "DEFAULT_BATCH_ROWS",
    "SOURCES",
    "CsvSource",
    "JsonLinesSource",
    "ParquetSource",
    "Source",
    "SqlSource",
    "SyntheticSource",
    "open_source",
]
