"""Metastore tables of the dataset catalog: datasets and their versions.

A version moves through states, and readers only ever see "ready" ones:

    writing ──► ready ──► destroying ──► destroyed
       └───────────────────────────────────┘   (an interrupted or failed write)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lab.db.base import Base, UTCDateTime, utcnow

WRITING: Final = "writing"
READY: Final = "ready"
DESTROYING: Final = "destroying"
DESTROYED: Final = "destroyed"
STATES: Final = (WRITING, READY, DESTROYING, DESTROYED)

CLASSIFICATIONS: Final = ("identifier", "quasi_identifier", "sensitive", "plain")


class Dataset(Base):
    __tablename__ = "datasets"
    __table_args__ = (sa.UniqueConstraint("tenant", "zone", "name"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(40))
    zone: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DatasetVersion(Base):
    __tablename__ = "dataset_versions"
    __table_args__ = (
        sa.UniqueConstraint("dataset_id", "version"),
        sa.CheckConstraint(
            "state IN ('writing', 'ready', 'destroying', 'destroyed')", name="state"
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(sa.ForeignKey("datasets.id"), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    state: Mapped[str] = mapped_column(sa.String(20), index=True, default=WRITING)
    # [{"name", "type", "classification"}, ...] in column order
    schema_json: Mapped[list[dict[str, str]]] = mapped_column("schema", sa.JSON)
    lineage: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    row_count: Mapped[int | None] = mapped_column(sa.BigInteger)
    byte_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    # [{"name", "sha256", "bytes", "rows"}, ...]: the encrypted files as stored
    files: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    key_name: Mapped[str] = mapped_column(sa.String(200))
    storage_path: Mapped[str] = mapped_column(sa.String(500))
    writer: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    destroy_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    legal_hold: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    destroy_reason: Mapped[str | None] = mapped_column(sa.String(500))
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dataset: Mapped[Dataset] = relationship()
