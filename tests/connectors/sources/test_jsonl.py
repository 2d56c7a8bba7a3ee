"""The JSON lines source: union of keys, encodings, streaming, malformed lines named."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from connectors.errors import SourceError
from connectors.sources import jsonl
from connectors.sources.jsonl import JsonLinesSource


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _read(source: JsonLinesSource, batch_rows: int = 65_536) -> pa.Table:
    return pa.Table.from_batches(list(source.batches(batch_rows)), schema=source.schema())


def test_heterogeneous_keys_make_a_union_of_columns(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "m.jsonl",
        [
            '{"id": "M1", "name": "张三", "sales": 10}',
            "",
            '{"id": "M2", "sales": 12.5, "tags": ["a", "b"]}',
            '{"id": "M3", "extra": null, "address": {"city": "北京"}}',
        ],
    )
    source = JsonLinesSource(path=path)
    table = _read(source)
    assert table.column_names == ["id", "name", "sales", "tags", "extra", "address"]
    assert table.schema.field("sales").type == pa.float64()
    assert table.schema.field("extra").type == pa.string()
    assert table.to_pydict() == {
        "id": ["M1", "M2", "M3"],
        "name": ["张三", None, None],
        "sales": [10.0, 12.5, None],
        "tags": [None, ["a", "b"], None],
        "extra": [None, None, None],
        "address": [None, None, {"city": "北京"}],
    }
    assert source.describe()["rows"] == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    path = _write(tmp_path / "m.jsonl", ['{"name": "张三"}', '{"name": "李四"}'], encoding)
    assert _read(JsonLinesSource(path=path)).column("name").to_pylist() == ["张三", "李四"]


def test_streams_in_chunks_with_keys_appearing_late(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 4096)
    lines = [json.dumps({"i": i, "name": f"商户{i}"}, ensure_ascii=False) for i in range(5000)]
    lines.append(json.dumps({"i": 5000, "late": True}))
    source = JsonLinesSource(path=_write(tmp_path / "m.jsonl", lines))
    sizes = [b.num_rows for b in source.batches(2000)]
    assert sizes == [2000, 2000, 1001]
    table = _read(source)
    assert table.column("i").to_pylist() == list(range(5001))
    assert table.column("late").to_pylist() == [None] * 5000 + [True]


@pytest.mark.parametrize(
    ("lines", "fragments"),
    [
        (['{"a": 1}', '{"a": 2', '{"a": 3}'], ["not valid JSON", "row 2"]),
        (['{"a": 1}', "", "[1, 2]"], ["not a JSON object", "row 3"]),
        (['{"a": 1}', '{"a": "x"}'], ["a string here but a number", "row 2", "column 'a'"]),
        (["", "  "], ["holds no JSON objects"]),
    ],
)
def test_malformed_lines_are_named(tmp_path: Path, lines: list[str], fragments: list[str]) -> None:
    source = JsonLinesSource(path=_write(tmp_path / "bad.jsonl", lines))
    with pytest.raises(SourceError) as caught:
        _read(source)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_a_kind_change_across_chunks_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl, "CHUNK_BYTES", 1024)
    lines = [json.dumps({"a": i}) for i in range(500)] + ['{"a": "text"}']
    with pytest.raises(SourceError, match=r"a string here but a number.*row 501, column 'a'"):
        _read(JsonLinesSource(path=_write(tmp_path / "m.jsonl", lines)))


def test_a_line_over_the_limit_and_bad_bytes_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "long.jsonl", ['{"a": "x"}', '{"a": "' + "x" * 5000 + '"}'])
    with pytest.raises(SourceError, match=r"longer than 1000 bytes.*row 2"):
        _read(JsonLinesSource(path=path, max_line_bytes=1000))
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(b'{"a": "ok"}\n{"a": "\xff\xfe"}\n')
    with pytest.raises(SourceError, match=r"not valid utf-8.*row 2"):
        _read(JsonLinesSource(path=path, encoding="utf-8"))
