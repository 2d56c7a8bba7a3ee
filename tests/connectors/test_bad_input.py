"""Bad input is refused before anything is planned or written, the same way for every
source kind: a header with no rows, and column names holding control characters. Names
with path characters are data and pass through unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from connectors.errors import SourceError
from connectors.pipeline import Keys, plan_import, run_import
from connectors.report import ImportPlan
from connectors.sources import Source, open_source
from connectors.spec import ImportSpec

Maker = Callable[[Path, list[str], list[list[object]]], Source]


def _csv(folder: Path, names: list[str], rows: list[list[object]]) -> Source:
    quoted = ",".join('"' + n.replace('"', '""') + '"' for n in names)
    body = [",".join(str(v) for v in row) for row in rows]
    (folder / "t.csv").write_bytes(("\n".join([quoted, *body]) + "\n").encode())
    return open_source({"kind": "csv", "path": str(folder / "t.csv"), "encoding": "utf-8"})


def _jsonl(folder: Path, names: list[str], rows: list[list[object]]) -> Source:
    lines = [json.dumps(dict(zip(names, row, strict=True))) for row in rows]
    (folder / "t.jsonl").write_text("\n".join(lines) + "\n")
    return open_source({"kind": "jsonl", "path": str(folder / "t.jsonl")})


def _parquet(folder: Path, names: list[str], rows: list[list[object]]) -> Source:
    columns = {n: pa.array([row[i] for row in rows], pa.string()) for i, n in enumerate(names)}
    pq.write_table(pa.table(columns), folder / "t.parquet")
    return open_source({"kind": "parquet", "path": str(folder / "t.parquet")})


def _sql(folder: Path, names: list[str], rows: list[list[object]]) -> Source:
    url = f"sqlite:///{folder / 't.db'}"
    table = sa.Table("t", sa.MetaData(), *(sa.Column(n, sa.Text) for n in names))
    engine = sa.create_engine(url)
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        if rows:
            conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
    engine.dispose()
    return open_source({"kind": "sql", "url": url, "table": "t"})


KINDS: dict[str, Maker] = {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet, "sql": _sql}
ROWS: list[list[object]] = [[f"v{i}", f"w{i}"] for i in range(20)]


def _plan(source: Source) -> ImportPlan:
    return plan_import(source, ImportSpec.parse({"source": {"kind": source.kind}}), k=1)


def _keys() -> Keys:
    return Keys(pseudonym=b"p" * 32, surrogate=b"s" * 32)


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"jsonl"}))
def test_a_header_with_no_rows_is_refused(tmp_path: Path, kind: str) -> None:
    source = KINDS[kind](tmp_path, ["a", "b"], [])
    assert source.schema().names == ["a", "b"]  # the header itself reads fine
    with pytest.raises(SourceError, match="no rows"):
        _plan(source)


def test_json_lines_with_nothing_in_them_are_refused(tmp_path: Path) -> None:
    (tmp_path / "t.jsonl").write_text("\n  \n\n")
    with pytest.raises(SourceError, match="no rows"):
        _plan(open_source({"kind": "jsonl", "path": str(tmp_path / "t.jsonl")}))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_rows_that_vanish_after_planning_are_refused_by_the_run(tmp_path: Path, kind: str) -> None:
    """The plan saw rows; a source that yields none when run (here: an empty copy of the same
    table) must not produce an empty dataset either, whatever path led to it."""
    plan = _plan(KINDS[kind](tmp_path, ["a", "b"], ROWS))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="no rows"):
        run = run_import(KINDS[kind](empty, ["a", "b"], []), plan, _keys())
        with run:
            list(run)


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(
    ("names", "position", "what"),
    [
        (["a\x00b", "c"], 1, "NUL"),
        (["a", "b\x01"], 2, "U+0001"),
        (["a", "line\nbreak"], 2, "U+000A"),
        (["a", "del\x7f"], 2, "U+007F"),
        (["a", "\u202eevil"], 2, "U+202E"),
        (["a", "\x1b[31mred"], 2, "U+001B"),
    ],
)
def test_control_characters_in_a_column_name_are_refused_by_position(
    tmp_path: Path, kind: str, names: list[str], position: int, what: str
) -> None:
    if kind == "sql" and "\x00" in "".join(names):
        pytest.skip("SQLite cannot hold a NUL in an identifier")
    if kind == "csv" and "\n" in "".join(names):
        names = [n.replace("\n", "\r") for n in names]
        what = "U+000D"
    source = KINDS[kind](tmp_path, names, ROWS)
    with pytest.raises(SourceError) as caught:
        _plan(source)
    message = str(caught.value)
    assert f"column {position}" in message and what in message
    bad = names[position - 1]
    assert not any(ch in message for ch in bad if not ch.isprintable())  # no raw bytes echoed
    # the run checks too, whatever plan it is handed
    good = tmp_path / "good"
    good.mkdir()
    plan = _plan(KINDS[kind](good, ["x", "y"], ROWS))
    with pytest.raises(SourceError, match=f"column {position}"):
        run_import(source, plan, _keys())


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_names_with_path_characters_are_kept_as_data(tmp_path: Path, kind: str) -> None:
    names = ["../../x", "a/b\\c"]
    source = KINDS[kind](tmp_path, names, ROWS)
    plan = _plan(source)
    with run_import(source, plan, _keys()) as run:
        table = pa.Table.from_batches(list(run), schema=run.schema)
    assert table.column_names == names
    assert table.num_rows == len(ROWS)
