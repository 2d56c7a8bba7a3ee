"""Metastore tables of the model registry: models and their versions.

A model is named by (tenant, zone, name); each job that saves a model under that name adds a
version. A version points at its artifact, stored encrypted as a dataset version of kind
`model` (so the zone's `model_days`, the destruction scheduler, crypto-shredding and the
receipt apply to it as to any dataset), and records what the registry found the artifact to
be, where it came from (job, code hash, input dataset versions, spec), its metrics and its
plots (PNG outputs of the same job, stored encrypted as job outputs).

    registered ──► retired        (and, whatever its status, destroyed with its artifact)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lab.db.base import Base, UTCDateTime, utcnow

REGISTERED: Final = "registered"
RETIRED: Final = "retired"
STATUSES: Final = (REGISTERED, RETIRED)
FLAVOURS: Final = ("onnx", "lightgbm", "scorecard")


class Model(Base):
    __tablename__ = "models"
    __table_args__ = (sa.UniqueConstraint("tenant", "zone", "name"),)

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(40))
    zone: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModelVersion(Base):
    __tablename__ = "model_versions"
    __table_args__ = (
        sa.UniqueConstraint("model_id", "version"),
        sa.CheckConstraint("status IN ('registered', 'retired')", name="status"),
        sa.CheckConstraint("flavour IN ('onnx', 'lightgbm', 'scorecard')", name="flavour"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    model_id: Mapped[str] = mapped_column(sa.ForeignKey("models.id"), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(20), default=REGISTERED)
    flavour: Mapped[str] = mapped_column(sa.String(20))
    # [{"name", "type"}, ...] in the order the artifact takes them
    input_schema: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON)
    target: Mapped[str | None] = mapped_column(sa.String(255))
    classes: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    library: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # the artifact: a dataset version of kind `model` holding one encrypted file
    artifact_version_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    artifact_name: Mapped[str] = mapped_column(sa.String(100))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    byte_size: Mapped[int] = mapped_column(sa.BigInteger)
    # lineage
    job_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # plot name -> the dataset version id of the PNG the job wrote
    plots: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    registered_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    destroy_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    model: Mapped[Model] = relationship()
