"""Every source reads a subset of its columns, in the order asked, with the same values."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from connectors.errors import SpecError
from connectors.sources import Source, open_source

ROWS = [{"id": i, "city": f"c{i % 3}", "sales": i * 1.5, "note": f"n{i}"} for i in range(50)]


def _csv(folder: Path) -> Source:
    body = [f"{r['id']},{r['city']},{r['sales']},{r['note']}" for r in ROWS]
    lines = ["id,city,sales,note", *body]
    (folder / "t.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return open_source({"kind": "csv", "path": str(folder / "t.csv")})


def _jsonl(folder: Path) -> Source:
    (folder / "t.jsonl").write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    return open_source({"kind": "jsonl", "path": str(folder / "t.jsonl")})


def _parquet(folder: Path) -> Source:
    pq.write_table(pa.Table.from_pylist(ROWS), folder / "t.parquet")
    return open_source({"kind": "parquet", "path": str(folder / "t.parquet")})


def _sql(folder: Path) -> Source:
    url = f"sqlite:///{folder / 't.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER, city TEXT, sales REAL, note TEXT)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:id, :city, :sales, :note)"), ROWS)
    engine.dispose()
    return open_source({"kind": "sql", "url": url, "table": "t"})


MAKERS: dict[str, Callable[[Path], Source]] = {
    "csv": _csv,
    "jsonl": _jsonl,
    "parquet": _parquet,
    "sql": _sql,
}


def _read(source: Source, columns: list[str] | None) -> pa.Table:
    return pa.Table.from_batches(list(source.batches(16, columns)))


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_subset_in_the_order_asked(kind: str, tmp_path: Path) -> None:
    source = MAKERS[kind](tmp_path)
    whole = _read(source, None)
    part = _read(source, ["note", "id"])
    assert part.column_names == ["note", "id"]
    assert part.schema == pa.schema([whole.schema.field("note"), whole.schema.field("id")])
    assert part.to_pylist() == whole.select(["note", "id"]).to_pylist()
    assert whole.num_rows == len(ROWS)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_an_unknown_column_is_a_spec_error(kind: str, tmp_path: Path) -> None:
    source = MAKERS[kind](tmp_path)
    with pytest.raises(SpecError, match=r"does not have: \['nope'\]"):
        list(source.batches(16, ["id", "nope"]))


def test_synthetic_rows_keep_their_values_in_a_subset() -> None:
    source = open_source({"kind": "synthetic", "rows": 300, "seed": 3})
    whole = _read(source, None)
    part = _read(source, ["mobile", "name"])
    assert part.to_pylist() == whole.select(["mobile", "name"]).to_pylist()
