"""Reading ready versions: a decrypting pyarrow dataset, a table, a DuckDB view.

The dataset-version key is unwrapped (master key → zone-tenant key → version key) when a
reader is opened and lives only in that reader's key client, in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
from sqlalchemy.orm import Session

from lab.errors import ConfigurationError, InvalidInput, NotFound
from lab.keys.hierarchy import open_version_key
from lab.storage.catalog import ready_version
from lab.storage.kms import parquet_format
from lab.storage.layout import resolve
from lab.storage.models import DatasetVersion


def version_files(home: Path, row: DatasetVersion) -> list[Path]:
    """The version's files as recorded, checked to be present with their recorded sizes."""
    folder = resolve(home, row.storage_path)
    paths = []
    for entry in row.files or ():
        path = folder / str(entry["name"])
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise NotFound(
                f"a file of dataset version {row.id!r} is missing (being destroyed?): {path.name}"
            ) from None
        if size != int(entry["bytes"]):
            raise ConfigurationError(
                f"a file of dataset version {row.id!r} has changed size: {path.name}"
            )
        paths.append(path)
    return paths


def open_dataset(session: Session, home: Path, master: bytes, version_id: str) -> ds.Dataset:
    """A pyarrow dataset over a ready version that decrypts as it scans."""
    row = ready_version(session, version_id)
    paths = version_files(home, row)
    key = open_version_key(session, master, row.key_name)
    fmt = parquet_format({row.key_name: key})
    return ds.dataset([str(p) for p in paths], format=fmt)


def read_table(session: Session, home: Path, master: bytes, version_id: str) -> pa.Table:
    """The whole version in memory (small data, tests)."""
    return open_dataset(session, home, master, version_id).to_table()


def register_duckdb(
    session: Session,
    home: Path,
    master: bytes,
    conn: Any,
    view_name: str,
    version_id: str,
) -> None:
    """Make a ready version queryable as `view_name` on the DuckDB connection `conn`.

    DuckDB scans the decrypting pyarrow dataset with projection and filter push-down;
    nothing is written to disk. Register before the connection's configuration is locked.
    """
    if not view_name.isidentifier():
        raise InvalidInput(f"{view_name!r} is not a valid view name", field="view_name")
    conn.register(view_name, open_dataset(session, home, master, version_id))


def data_keys_for(
    session: Session, master: bytes, version_ids: list[str] | tuple[str, ...]
) -> dict[str, bytes]:
    """The unwrapped dataset-version keys of these ready versions, and nothing else.

    This is what an engine hands to its tasks (Spark executors): data keys only, never the
    master key or a zone-tenant key, so a task can open exactly its inputs.
    """
    keys: dict[str, bytes] = {}
    for version_id in version_ids:
        row = ready_version(session, version_id)
        keys[row.key_name] = open_version_key(session, master, row.key_name)
    return keys
