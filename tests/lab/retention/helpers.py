"""Builders for retention tests: datasets written through the lab, receipts read back."""

from __future__ import annotations

import os
import signal
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from audit.store import events_table
from lab.auditing import Actor
from lab.context import Lab
from lab.datasets.service import write_dataset
from lab.settings import Settings
from lab.storage import VersionInfo, hooks
from tests.lab.storage.factories import LABELS, SCHEMA, merchant_batches


def write_sample(
    lab: Lab,
    *,
    tenant: str = "acme",
    zone: str = "sandbox",
    name: str = "merchants",
    rows: int = 2_000,
    destroy_at: datetime | None = None,
    entity_key: str | None = None,
) -> VersionInfo:
    """The generated merchants; `entity_key` names the column that identifies a merchant
    (stored in the version's lineage, as an import that names one does)."""
    lineage: dict[str, Any] = {"connector": "synthetic"}
    if entity_key is not None:
        lineage["entity_key"] = entity_key
    return write_dataset(
        lab,
        Actor("a-owner"),
        tenant=tenant,
        zone=zone,
        name=name,
        batches=merchant_batches(rows),
        schema=SCHEMA,
        classifications=LABELS,
        lineage=lineage,
        destroy_at=destroy_at,
    )


def events(lab: Lab, action: str, **where: Any) -> list[dict[str, Any]]:
    query = sa.select(events_table).where(events_table.c.action == action)
    for column, value in where.items():
        query = query.where(events_table.c[column] == value)
    with lab.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query.order_by(events_table.c.seq))]


def stored_rows(lab: Lab, version_id: str) -> list[dict[str, Any]]:
    """The rows of a dataset version as stored in the zone (for a job output in review: what
    would leave)."""
    with lab.read() as session:
        rows: list[dict[str, Any]] = lab.store.read_table(session, version_id).to_pylist()
    return rows


def receipts_for(lab: Lab, version_id: str) -> list[dict[str, Any]]:
    return [
        e
        for e in events(lab, "destruction.receipt")
        if f'"version_id":"{version_id}"' in e["details"]
    ]


def files_of(lab: Lab, info: VersionInfo) -> list[Path]:
    return [lab.settings.home / info.storage_path / f["name"] for f in info.files]


def destroy_and_die(settings_json: str, version_id: str, step: str) -> None:
    """In a child process: start destroying, and die by SIGKILL at `step`."""
    from lab.retention.destruction import destroy_version

    lab = Lab.open(Settings.model_validate_json(settings_json))

    def on_step(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), signal.SIGKILL)

    hooks.on_step = on_step
    destroy_version(lab, version_id, actor="system:scheduler", why="retention period over")


def settings_json(settings: Settings) -> str:
    data = settings.model_dump(mode="json")
    data["master_key"] = settings.master_key.get_secret_value()  # type: ignore[union-attr]
    import json

    return json.dumps(data)


def write_and_die(settings_json: str, step: str) -> None:
    """In a child process: write a dataset through the lab, and die by SIGKILL at `step`."""
    lab = Lab.open(Settings.model_validate_json(settings_json))

    def on_step(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), signal.SIGKILL)

    hooks.on_step = on_step
    write_sample(lab, name="interrupted", rows=50_000)
