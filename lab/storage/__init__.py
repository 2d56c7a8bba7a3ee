"""Encrypted tenant storage with destroyable keys: datasets, versions, reading, shredding.

Keys (`lab.keys.hierarchy`, rows of the `keyring` table)::

    master key ──wraps──► storage/<zone>/<tenant> ──wraps──► dataset-version/<version-id>
                                                               └─wraps─► Parquet data keys
                                                                         (in each file)

Files (`lab.storage.layout`)::

    <home>/storage/<zone>/<tenant>/.staging/<version-id>/   being written
    <home>/storage/<zone>/<tenant>/<dataset-id>/<version-id>/part-NNNNN.parquet

Every file is Parquet with modular encryption (footer and all columns, AES-GCM), its data
keys wrapped by the version's key through our pyarrow `KmsClient` (`lab.storage.kms`).

Public API::

    store = DatasetStore(home, master_key)
    store.write_version(sessions, tenant=, zone=, name=, batches=, schema=,
                        classifications=None, lineage=None, destroy_at=None) -> VersionInfo
    store.dataset(session, version_id) -> pyarrow.dataset.Dataset     # decrypting scans
    store.read_table(session, version_id) -> pyarrow.Table
    store.register_duckdb(session, conn, view_name, version_id) -> None
    store.data_keys_for(session, version_ids) -> dict[str, bytes]     # data keys only
    store.spark_input(session, version_id) -> SparkInput              # + lab.storage.spark
    store.destroy_version(session, version_id, reason=) -> DestructionResult | None
                        # the file-level steps; a whole destruction, with its receipt, is
                        # lab.retention.destruction.destroy_version's
    store.recover_orphans(sessions, stale_after=timedelta(hours=24)) -> list[RecoveredVersion]

    find_version(session, tenant=, zone=, name=, version=None) -> VersionInfo
    set_legal_hold(session, version_id, held=) -> None
    request_destruction(session, version_id, reason=) -> None
    due_for_destruction(session, now=None) -> list[str]
    scrub_metastore(engine) -> bool                                   # after shredding (SQLite)
    lab.storage.spark.read_spark(spark, SparkInput) -> pyspark DataFrame

Transactions: the caller owns them (a `Session` argument), except `write_version` and
`recover_orphans`, which take a `sessionmaker` and run the short transactions their
crash-safety protocols need (documented in `lab.storage.writer` and `lab.storage.recovery`).
Errors are the lab's (`InvalidInput`, `NotFound`, `Conflict`, `ConfigurationError`).
"""

from lab.storage.catalog import (
    VersionInfo,
    due_for_destruction,
    find_version,
    request_destruction,
    set_legal_hold,
)
from lab.storage.destroy import DestroyedFile, DestructionResult, scrub_metastore
from lab.storage.models import CLASSIFICATIONS, Dataset, DatasetVersion
from lab.storage.parquet_io import WriteLimits
from lab.storage.recovery import RecoveredVersion
from lab.storage.spark import SparkInput
from lab.storage.store import DatasetStore

__all__ = [
    "CLASSIFICATIONS",
    "Dataset",
    "DatasetStore",
    "DatasetVersion",
    "DestroyedFile",
    "DestructionResult",
    "RecoveredVersion",
    "SparkInput",
    "VersionInfo",
    "WriteLimits",
    "due_for_destruction",
    "find_version",
    "request_destruction",
    "scrub_metastore",
    "set_legal_hold",
]
