"""The work item table: one import or job, its state, its lease, its result."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lab.db.base import Base, UTCDateTime, utcnow
from lab.work.statuses import WorkState

# Plain strings (the database columns hold these), named by the catalogue `WorkState`.
QUEUED: Final = WorkState.QUEUED.value
RUNNING: Final = WorkState.RUNNING.value
SUCCEEDED: Final = WorkState.SUCCEEDED.value
FAILED: Final = WorkState.FAILED.value
CANCELLED: Final = WorkState.CANCELLED.value
STATES: Final = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
ENDED: Final = frozenset({SUCCEEDED, FAILED, CANCELLED})


class WorkItem(Base):
    __tablename__ = "work_items"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')", name="state"
        ),
        sa.Index("ix_work_items_claim", "state", "kind", "created_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # "import" | "job"
    tenant: Mapped[str] = mapped_column(sa.String(40), index=True)
    zone: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    submitter: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[str] = mapped_column(sa.String(20), default=QUEUED)
    status: Mapped[str] = mapped_column(sa.String(60), default="queued")  # detailed code
    message: Mapped[str] = mapped_column(sa.String(2000), default="")
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    progress: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    worker: Mapped[str | None] = mapped_column(sa.String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_requested: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
