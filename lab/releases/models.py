"""Metastore tables of the airlock: release requests and the reviews they receive.

A request moves through states; only `released` ones can be fetched::

    pending ──► approved ──► released
       ├──► rejected
       ├──► returned   (for changes: the author files a new request that names it)
       └──► withdrawn  (by its author)

The same request, with its reviews and the same reviewer rules, carries a model promotion
(`kind` = promotion): pending ──► approved (deployed at once) or rejected / returned /
withdrawn.

A request keeps the automatic findings of its outputs as they stood when it was made, so
a reviewer judges, and the record later shows, what was asked, not what the job says now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lab.db.base import Base, UTCDateTime, utcnow

PENDING: Final = "pending"
APPROVED: Final = "approved"
REJECTED: Final = "rejected"
RETURNED: Final = "returned"
WITHDRAWN: Final = "withdrawn"
RELEASED: Final = "released"
STATES: Final = (PENDING, APPROVED, REJECTED, RETURNED, WITHDRAWN, RELEASED)
OPEN: Final = frozenset({PENDING, APPROVED, RELEASED})
"""States in which a request holds its outputs: a second request for them is refused."""

APPROVE: Final = "approve"
REJECT: Final = "reject"
RETURN: Final = "return"
DECISIONS: Final = (APPROVE, REJECT, RETURN)

RELEASE: Final = "release"
PROMOTION: Final = "promotion"
KINDS: Final = (RELEASE, PROMOTION)
"""What a request asks for: outputs to leave a zone, or a model version to be deployed to
one (its own facts in `lab.promotions.models.Promotion`, keyed by the request)."""

SYSTEM_GATE: Final = "system:gate"
"""The requester and approver of record of outputs released without review."""


class ReleaseRequest(Base):
    __tablename__ = "release_requests"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'rejected', 'returned', 'withdrawn', 'released')",
            name="state",
        ),
        sa.CheckConstraint("kind IN ('release', 'promotion')", name="kind"),
        sa.Index("ix_release_requests_queue", "zone", "state", "created_at"),
        sa.Index("ix_release_requests_job", "tenant", "zone", "job_id"),
    )

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default=RELEASE, server_default=RELEASE)
    tenant: Mapped[str] = mapped_column(sa.String(40))
    zone: Mapped[str] = mapped_column(sa.String(40))
    job_id: Mapped[str] = mapped_column(sa.String(32))
    outputs: Mapped[list[str]] = mapped_column(sa.JSON)
    purpose: Mapped[str] = mapped_column(sa.String(2000))
    requester: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[str] = mapped_column(sa.String(20), default=PENDING)
    required_approvals: Mapped[int] = mapped_column(sa.Integer)
    findings: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    """Each output's entry (disposition, reason, lineage, findings, version) as it stood."""
    resubmits: Mapped[str | None] = mapped_column(sa.String(32))
    """The returned request this one answers, if any."""
    release_version_id: Mapped[str | None] = mapped_column(sa.String(32))
    files: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    """Per output, what left: file name, content type, size and sha256."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReleaseReview(Base):
    """One reviewer's decision on one request; a reviewer decides a request at most once."""

    __tablename__ = "release_reviews"
    __table_args__ = (
        sa.CheckConstraint("decision IN ('approve', 'reject', 'return')", name="decision"),
        sa.UniqueConstraint("request_id", "reviewer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("release_requests.id"), index=True
    )
    reviewer: Mapped[str] = mapped_column(sa.String(100))
    decision: Mapped[str] = mapped_column(sa.String(10))
    comment: Mapped[str] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
