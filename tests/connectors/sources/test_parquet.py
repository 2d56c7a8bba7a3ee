"""The Parquet source: streamed batches, projections, lineage, damaged files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.errors import SourceError, SpecError
from connectors.sources import open_source
from connectors.sources.parquet import ParquetSource


def _table(rows: int) -> pa.Table:
    return pa.table(
        {
            "id": pa.array([f"M{i:06d}" for i in range(rows)]),
            "name": pa.array([["张三", "李四", None][i % 3] for i in range(rows)]),
            "amount": pa.array([i * 1.5 for i in range(rows)]),
        }
    )


def test_reads_back_the_table_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "m.parquet"
    table = _table(25_000)
    pq.write_table(table, path, row_group_size=7_000)
    source = open_source({"kind": "parquet", "path": str(path)})
    sizes = [b.num_rows for b in source.batches(10_000)]
    assert sizes == [10_000, 10_000, 5_000]
    read = pa.Table.from_batches(list(source.batches()), schema=source.schema())
    assert read.equals(table)
    facts = source.describe()
    assert facts["kind"] == "parquet" and facts["rows"] == 25_000 and facts["row_groups"] == 4
    assert facts["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_columns_are_projected(tmp_path: Path) -> None:
    path = tmp_path / "m.parquet"
    pq.write_table(_table(10), path)
    source = ParquetSource(path=path, columns=["amount", "id"])
    assert source.schema().names == ["amount", "id"]
    assert next(source.batches()).schema.names == ["amount", "id"]
    with pytest.raises(SpecError, match="nope"):
        ParquetSource(path=path, columns=["nope"]).schema()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "is empty"),
        (b"id,name\n1,2\n", "not a readable Parquet file"),
        (b"PAR1" + b"\0" * 100, "not a readable Parquet file"),
    ],
)
def test_damaged_files_are_named(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=fragment):
        list(ParquetSource(path=path).batches())


def test_a_truncated_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cut.parquet"
    pq.write_table(_table(1000), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match=r"'cut.parquet'"):
        list(ParquetSource(path=path).batches())


def test_a_file_replaced_between_passes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.parquet"
    pq.write_table(_table(100), path)
    source = ParquetSource(path=path)
    list(source.batches())
    pq.write_table(_table(200), path)
    with pytest.raises(SourceError, match="changed since it was first read"):
        list(source.batches())
