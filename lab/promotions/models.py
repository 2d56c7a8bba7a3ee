"""Metastore tables of promotion: what a promotion request asks, and the deployments.

A promotion is a release request of kind `promotion` (`lab.releases.models`): the request
carries the requester, purpose, state and reviews, shared with output releases; the table
here holds what only a promotion has, keyed by the request: the model version, the target
production dataset and its owner, the gate results as they stood, and once approved the
signed manifest.

A deployment is a promoted version running in the production zone, numbered per
(tenant, name). Exactly one is active per (tenant, name)::

    active ──► superseded   (a newer promotion was deployed)
       ├──► rolled_back     (the owner went back to an earlier deployment)
       └──► retired         (taken out of use; nothing of the name is active)
    superseded / rolled_back ──► active   (rollback)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lab.db.base import Base, UTCDateTime, utcnow

ACTIVE: Final = "active"
SUPERSEDED: Final = "superseded"
ROLLED_BACK: Final = "rolled_back"
RETIRED: Final = "retired"
STATUSES: Final = (ACTIVE, SUPERSEDED, ROLLED_BACK, RETIRED)
PRODUCTION: Final = "production"


class Promotion(Base):
    __tablename__ = "promotions"

    request_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("release_requests.id"), primary_key=True
    )
    model_version_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    model_zone: Mapped[str] = mapped_column(sa.String(40))
    model_name: Mapped[str] = mapped_column(sa.String(200))
    model_version: Mapped[int] = mapped_column(sa.Integer)
    dataset_tenant: Mapped[str] = mapped_column(sa.String(40))
    dataset_name: Mapped[str] = mapped_column(sa.String(200))
    dataset_version: Mapped[int] = mapped_column(sa.Integer)
    dataset_version_id: Mapped[str] = mapped_column(sa.String(32))
    gates: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    """[{"gate", "passed", "detail"}, ...] as computed when the request was made."""
    policy_version: Mapped[str] = mapped_column(sa.String(100))
    deployment_id: Mapped[str | None] = mapped_column(sa.String(32))


class Deployment(Base):
    __tablename__ = "deployments"
    __table_args__ = (
        sa.UniqueConstraint("tenant", "zone", "name", "version"),
        sa.CheckConstraint(
            "status IN ('active', 'superseded', 'rolled_back', 'retired')", name="status"
        ),
        sa.Index(
            "uq_deployments_one_active",
            "tenant",
            "zone",
            "name",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(sa.String(40))
    zone: Mapped[str] = mapped_column(sa.String(40), default=PRODUCTION)
    name: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(sa.Integer)
    model_version_id: Mapped[str] = mapped_column(sa.String(32))
    request_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    flavour: Mapped[str] = mapped_column(sa.String(20))
    artifact_version_id: Mapped[str] = mapped_column(sa.String(32))
    """The artifact's copy in the production zone (encrypted, under its retention)."""
    artifact_name: Mapped[str] = mapped_column(sa.String(100))
    manifest: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    """The exact signed bytes (canonical JSON of the manifest in its envelope)."""
    signature: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    key_id: Mapped[str | None] = mapped_column(sa.String(64))
    dataset_tenant: Mapped[str] = mapped_column(sa.String(40))
    dataset_name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default=ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
