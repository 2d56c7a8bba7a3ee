"""The registry of source kinds and the spec checks of open_source."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import SpecError
from connectors.sources import SOURCES, Source, open_source, spec_keys


def test_every_kind_is_registered_and_keeps_the_protocol() -> None:
    assert sorted(SOURCES) == ["csv", "jsonl", "parquet", "sql", "synthetic"]
    for kind, cls in SOURCES.items():
        assert getattr(cls, "kind", None) == kind
        for method in ("schema", "batches", "describe"):
            assert callable(getattr(cls, method))


def test_open_source_builds_a_source(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    source = open_source({"kind": "csv", "path": str(path), "delimiter": ","})
    assert isinstance(source, Source)
    assert source.kind == "csv"


def test_spec_keys() -> None:
    assert spec_keys("synthetic") == (["rows"], ["seed", "locale", "profile"])
    assert spec_keys("sql") == (["url"], ["table", "query"])


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"kind": "excel", "path": "x"}, "unknown source kind 'excel'"),
        ({"path": "x"}, "unknown source kind None"),
        ({"kind": "csv"}, "needs ['path']"),
        ({"kind": "csv", "path": "x", "sep": ";"}, "unknown option(s) ['sep']"),
        ({"kind": "csv", "path": "x", "delimiter": ";;"}, "one character"),
        ({"kind": "csv", "path": "x", "header": "yes"}, "header must be"),
        ({"kind": "csv", "path": "x", "encoding": "klingon"}, "unknown encoding"),
        ({"kind": "synthetic", "rows": 1, "locale": "de_DE"}, "locale"),
        ("csv", "mapping"),
    ],
)
def test_bad_specs_are_named(spec: object, fragment: str) -> None:
    with pytest.raises(SpecError) as caught:
        open_source(spec).schema()  # type: ignore[arg-type]
    assert fragment in str(caught.value)
