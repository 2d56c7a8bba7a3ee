"""Versions of each zone's rules: the full rules as JSON, who set them, when, from where."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lab.db.base import Base, UTCDateTime, utcnow


class ZoneVersion(Base):
    __tablename__ = "zone_versions"
    __table_args__ = (sa.UniqueConstraint("zone", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone: Mapped[str] = mapped_column(sa.String(40), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    rules: Mapped[str] = mapped_column(sa.Text)  # canonical JSON of ZoneRules
    source: Mapped[str] = mapped_column(sa.String(300))  # "file:<path>" or "api"
    actor: Mapped[str] = mapped_column(sa.String(100))
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
