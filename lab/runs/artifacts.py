"""Files a job leaves (plots, metrics, models, its log) kept encrypted like any dataset.

A file is stored as a one-row table (name, bytes) in the zone's encrypted storage, so the
same keys, retention and destruction apply to it as to tables.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from lab.auditing import Actor
from lab.context import Lab
from lab.datasets.service import write_dataset
from lab.retention.clock import Kind
from lab.storage import VersionInfo

SCHEMA = pa.schema([("name", pa.string()), ("content", pa.large_binary())])


def store_files(
    lab: Lab,
    actor: Actor,
    *,
    tenant: str,
    zone: str,
    dataset: str,
    files: dict[str, bytes],
    kind: Kind,
    lineage: dict[str, object],
) -> VersionInfo:
    def batches() -> Iterator[pa.RecordBatch]:
        for name, content in sorted(files.items()):
            yield pa.record_batch(
                [pa.array([name]), pa.array([content], pa.large_binary())], schema=SCHEMA
            )

    return write_dataset(
        lab,
        actor,
        tenant=tenant,
        zone=zone,
        name=dataset,
        batches=batches(),
        schema=SCHEMA,
        classifications={"name": "plain", "content": "sensitive"},
        lineage=lineage,
        kind=kind,
    )


def read_files(lab: Lab, version_id: str) -> dict[str, bytes]:
    with lab.read() as session:
        table = lab.store.read_table(session, version_id)
    return dict(
        zip(table.column("name").to_pylist(), table.column("content").to_pylist(), strict=True)
    )
