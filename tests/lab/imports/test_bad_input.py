"""Bad input through the API, on every metastore: a file with no rows and a column name
holding control characters end the import failed with a message naming what is wrong, and
leave no dataset, no version and no file behind. A column named like a path is data: the
dataset keeps the name and no file is ever named after it (storage, Spark layout, job
inputs)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from lab.cli.main import app
from lab.datasets.service import list_versions
from lab.runs.engines import LabInputs
from lab.runs.inputs import ResolvedInput
from lab.storage.models import Dataset, DatasetVersion
from lab.storage.spark import spark_input
from tests.lab.factories import World
from tests.lab.imports.test_imports import run_worker, stored, upload


def _csv(names: list[str], rows: int) -> bytes:
    header = ",".join('"' + n.replace('"', '""') + '"' for n in names)
    body = [",".join(f"v{i}_{j}" for j in range(len(names))) for i in range(rows)]
    return ("\n".join([header, *body]) + "\n").encode()


def _jsonl(names: list[str], rows: int) -> bytes:
    lines = [json.dumps({n: f"v{i}_{j}" for j, n in enumerate(names)}) for i in range(rows)]
    return ("\n".join(lines) + "\n").encode() if lines else b"\n\n"


def _parquet(names: list[str], rows: int) -> bytes:
    columns = {
        n: pa.array([f"v{i}_{j}" for i in range(rows)], pa.string()) for j, n in enumerate(names)
    }
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


MAKERS: dict[str, tuple[str, Callable[[list[str], int], bytes]]] = {
    "csv": ("m.csv", _csv),
    "jsonl": ("m.jsonl", _jsonl),
    "parquet": ("m.parquet", _parquet),
}


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def assert_nothing_left(world: World) -> None:
    """No dataset or version row in the metastore, no stored or staged file, no workspace."""
    home = world.lab.settings.home
    with world.lab.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Dataset)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(DatasetVersion)) == 0
    assert _files_under(home / "storage") == []
    assert _files_under(home / "work") == []


def _import(world: World, kind: str, names: list[str], rows: int) -> dict[str, object]:
    filename, make = MAKERS[kind]
    response = upload(
        world, "a-eng", make(names, rows), {"source": {"kind": kind}}, filename=filename
    )
    assert response.status_code == 202, response.text
    return run_worker(world, response.json()["id"])


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_file_with_no_rows_is_refused_and_leaves_nothing(world: World, kind: str) -> None:
    record = _import(world, kind, ["merchant", "city"], 0)
    assert record["state"] == "failed" and record["status"] == "invalid-input"
    assert "no rows" in str(record["message"])
    assert_nothing_left(world)


@pytest.mark.parametrize("kind", sorted(MAKERS))
@pytest.mark.parametrize(
    ("bad", "what"), [("a\x00b", "NUL"), ("x\x07y", "U+0007"), ("\x1b[2Jz", "U+001B")]
)
def test_a_column_name_with_control_characters_is_refused_by_position(
    world: World, kind: str, bad: str, what: str
) -> None:
    record = _import(world, kind, ["merchant", bad, "city"], 20)
    assert record["state"] == "failed" and record["status"] == "invalid-input"
    message = str(record["message"])
    assert "column 2" in message and what in message
    assert not any(not ch.isprintable() for ch in message)  # the raw bytes are not echoed
    assert_nothing_left(world)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_column_named_like_a_path_is_data_and_names_no_file(
    world: World, tmp_path: Path, kind: str
) -> None:
    names = ["merchant", "../../x", "a/b\\c", ".."]
    record = _import(world, kind, names, 30)
    assert record["state"] == "succeeded", record
    assert stored(world).column_names == names
    home = world.lab.settings.home
    outside = [p for p in _files_under(home.parent) if not p.resolve().is_relative_to(home)]
    # beside the lab home only the test's SQLite metastore; nothing named after a column
    assert all(p.name.startswith("metastore.db") for p in outside), outside
    assert not (home.parent / "x").exists() and not (home.parent.parent / "x").exists()
    for path in _files_under(home):
        parts = path.relative_to(home).parts
        assert not {"x", "..", "a", "b\\c"} & set(parts), path
    with world.lab.read() as session:
        [version] = session.scalars(sa.select(DatasetVersion)).all()
        files = spark_input(session, home, world.lab.master_key, version.id).files
    folder = (home / "storage" / "sandbox" / "acme").resolve()
    assert files and all(Path(f).resolve().is_relative_to(folder) for f in files)
    # a job's input files are named after the job's alias, whatever the columns are called
    with world.lab.read() as session:
        [info] = list_versions(session, tenant="acme", zone="sandbox", name="merchants")
    inputs = tmp_path / "job" / "inputs"
    LabInputs(world.lab, {"m": ResolvedInput("m", info, None)}).materialize(inputs)
    assert [p.relative_to(tmp_path) for p in _files_under(tmp_path / "job")] == [
        Path("job/inputs/m.parquet")
    ]
    assert pq.read_schema(inputs / "m.parquet").names == names


@pytest.mark.parametrize(
    ("kind", "names", "rows", "fragments"),
    [
        ("csv", ["merchant", "city"], 0, ["no rows"]),
        ("parquet", ["merchant", "city"], 0, ["no rows"]),
        ("jsonl", ["merchant", "city"], 0, ["no rows"]),
        ("csv", ["merchant", "ci\x00ty"], 10, ["column 2", "NUL"]),
        ("parquet", ["me\x01rchant", "city"], 10, ["column 1", "U+0001"]),
    ],
)
def test_the_cli_refuses_the_same_files_and_leaves_nothing(
    world: World, tmp_path: Path, kind: str, names: list[str], rows: int, fragments: list[str]
) -> None:
    filename, make = MAKERS[kind]
    path = tmp_path / "files" / filename
    path.parent.mkdir()
    path.write_bytes(make(names, rows))
    settings = world.lab.settings
    assert settings.master_key is not None
    env = {
        "LAB_HOME": str(settings.home),
        "LAB_DATABASE_URL": settings.metastore_url,
        "LAB_MASTER_KEY": settings.master_key.get_secret_value(),
        "LAB_POLICY_REFRESH_SECONDS": "0",
        "LAB_TOKEN": world.tokens["a-eng"],
        "COLUMNS": "300",
    }
    argv = ["import", str(path), "--tenant", "acme", "--dataset", "merchants"]
    result = CliRunner().invoke(app, argv, env=env)
    assert result.exit_code != 0, result.output
    output = " ".join(result.output.split())
    for fragment in fragments:
        assert fragment in output, output
    assert_nothing_left(world)
