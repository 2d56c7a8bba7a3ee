"""`DatasetStore`: the storage of one lab home, with the master key that opens its keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
from sqlalchemy.orm import Session, sessionmaker

from lab.storage import reader
from lab.storage.catalog import VersionInfo
from lab.storage.destroy import DestructionResult, destroy_version, empty_trash
from lab.storage.parquet_io import WriteLimits
from lab.storage.recovery import RecoveredVersion, recover_orphans
from lab.storage.spark import SparkInput, spark_input
from lab.storage.writer import write_version


class DatasetStore:
    """Encrypted dataset versions under `<home>/storage`, keys in the keyring."""

    def __init__(self, home: Path, master_key: bytes, *, limits: WriteLimits | None = None) -> None:
        self.home = home.resolve()
        self._master = master_key
        self.limits = limits

    def write_version(
        self,
        sessions: sessionmaker[Session],
        *,
        tenant: str,
        zone: str,
        name: str,
        batches: Iterable[pa.RecordBatch],
        schema: pa.Schema,
        classifications: Mapping[str, str] | None = None,
        lineage: Mapping[str, Any] | None = None,
        destroy_at: datetime | None = None,
    ) -> VersionInfo:
        """Write a new version (own short transactions: see `lab.storage.writer`)."""
        return write_version(
            sessions,
            self.home,
            self._master,
            tenant=tenant,
            zone=zone,
            name=name,
            batches=batches,
            schema=schema,
            classifications=classifications,
            lineage=lineage,
            destroy_at=destroy_at,
            limits=self.limits,
        )

    def dataset(self, session: Session, version_id: str) -> ds.Dataset:
        """A decrypting pyarrow dataset over a ready version (scan it, stream it)."""
        return reader.open_dataset(session, self.home, self._master, version_id)

    def read_table(self, session: Session, version_id: str) -> pa.Table:
        return reader.read_table(session, self.home, self._master, version_id)

    def register_duckdb(self, session: Session, conn: Any, view_name: str, version_id: str) -> None:
        reader.register_duckdb(session, self.home, self._master, conn, view_name, version_id)

    def data_keys_for(self, session: Session, version_ids: Sequence[str]) -> dict[str, bytes]:
        return reader.data_keys_for(session, self._master, tuple(version_ids))

    def spark_input(self, session: Session, version_id: str) -> SparkInput:
        return spark_input(session, self.home, self._master, version_id)

    def destroy_version(
        self, session: Session, version_id: str, *, reason: str
    ) -> DestructionResult | None:
        """Caller's transaction; see `lab.storage.destroy`."""
        return destroy_version(session, self.home, version_id, reason=reason)

    def empty_trash(self) -> int:
        """Free the blocks of destroyed versions (after their destruction committed)."""
        return empty_trash(self.home)

    def recover_orphans(
        self, sessions: sessionmaker[Session], *, stale_after: timedelta = timedelta(hours=24)
    ) -> list[RecoveredVersion]:
        """Own short transactions; see `lab.storage.recovery`."""
        return recover_orphans(sessions, self.home, stale_after=stale_after)
