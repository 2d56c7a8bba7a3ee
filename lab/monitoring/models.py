"""Metastore tables of effect monitoring: a deployment's baseline and its runs.

The baseline is the aggregate profile of the training sample a deployed model is compared
against (`jobs.models.monitoring.BaselineProfile`, no bin under the zone's
`min_bin_records`), built once per deployment by its first run and kept as JSON: it is an
aggregate, and it outlives the sandbox data it came from.

A run compares the newest version of the deployment's production dataset with the
baseline::

    queued ──► running ──► succeeded   (status ok / warning / alert, with reasons)
                      └──► failed      (the message says why: a refused load, no data...)

A run asked for through the API is queued as a work item and runs in a worker; a scheduled
run is run by the scheduler at once (it starts `running`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lab.db.base import Base, UTCDateTime, utcnow

QUEUED: Final = "queued"
RUNNING: Final = "running"
SUCCEEDED: Final = "succeeded"
FAILED: Final = "failed"
STATES: Final = (QUEUED, RUNNING, SUCCEEDED, FAILED)
SCHEDULE: Final = "schedule"
REQUEST: Final = "request"


class MonitoringBaseline(Base):
    __tablename__ = "monitoring_baselines"

    deployment_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(40), index=True)
    profile: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """`BaselineProfile.to_dict()`: shares of bins and levels, never a record."""
    inputs: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    """The dataset versions profiled: [{"tenant", "zone", "dataset", "version"}, ...]."""
    score_column: Mapped[str] = mapped_column(sa.String(255))
    label_column: Mapped[str | None] = mapped_column(sa.String(255))
    k: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonitoringRun(Base):
    __tablename__ = "monitoring_runs"
    __table_args__ = (
        sa.CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')", name="state"),
        sa.CheckConstraint("status IS NULL OR status IN ('ok', 'warning', 'alert')", name="status"),
        sa.Index("ix_monitoring_runs_deployment", "deployment_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    deployment_id: Mapped[str] = mapped_column(sa.String(32))
    tenant: Mapped[str] = mapped_column(sa.String(40), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    deployment_version: Mapped[int] = mapped_column(sa.Integer)
    trigger: Mapped[str] = mapped_column(sa.String(20))  # schedule | request
    requested_by: Mapped[str] = mapped_column(sa.String(100))
    work_item_id: Mapped[str | None] = mapped_column(sa.String(32))
    state: Mapped[str] = mapped_column(sa.String(20), default=QUEUED)
    status: Mapped[str | None] = mapped_column(sa.String(20))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    """[{"level", "metric", "subject", "value", "threshold", "message"}, ...]"""
    features: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    """[{"name", "psi"}, ...] in the model's feature order."""
    score_psi: Mapped[float | None] = mapped_column(sa.Float)
    auc: Mapped[float | None] = mapped_column(sa.Float)
    ks: Mapped[float | None] = mapped_column(sa.Float)
    records: Mapped[int | None] = mapped_column(sa.BigInteger)
    labelled: Mapped[int | None] = mapped_column(sa.BigInteger)
    dataset_tenant: Mapped[str | None] = mapped_column(sa.String(40))
    dataset_name: Mapped[str | None] = mapped_column(sa.String(200))
    dataset_version: Mapped[int | None] = mapped_column(sa.Integer)
    dataset_version_id: Mapped[str | None] = mapped_column(sa.String(32))
    plots_version_id: Mapped[str | None] = mapped_column(sa.String(32))
    """The run's PNG plots, stored encrypted as files of one version (`lab.runs.artifacts`)."""
    plots: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    """The plots drawn (the gate let their figures through)."""
    plot_gate: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    """[{"plot", "drawn", "withheld", "findings": [{"rule", "severity", "column", "row",
    "label", "message"}, ...]}, ...]: what the disclosure gate did to each plot's figures,
    without a value (`lab.monitoring.plot_gate`)."""
    message: Mapped[str] = mapped_column(sa.String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
