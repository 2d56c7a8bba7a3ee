"""The policy's tables: casbin's `casbin_rule` and the lab's `policy_changes`.

`casbin_rule` is the table of sqlalchemy_adapter's `CasbinRule` (id, ptype, v0..v5), so
casbin's own adapter reads and writes the same rows the lab does. It lives on the
adapter's MetaData, exposed here as `casbin_metadata` for the migrations. A rule is
`p, role, tenant, obj, action, effect` in v0..v4; a role assignment is
`g, subject, role, tenant` in v0..v2.

`policy_changes` numbers every change: its largest version is the policy version the
engines in every process compare against.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy_adapter import CasbinRule

from lab.db.base import Base, UTCDateTime

casbin_rule: sa.Table = CasbinRule.__table__
casbin_metadata: sa.MetaData = casbin_rule.metadata

OPS = ("add_rule", "remove_rule", "assign_role", "unassign_role", "seed")


class PolicyChangeRow(Base):
    """One versioned change of the policy: who, when, what."""

    __tablename__ = "policy_changes"
    __table_args__ = (
        sa.CheckConstraint("op IN ({})".format(", ".join(f"'{op}'" for op in OPS)), name="op"),
    )

    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    actor: Mapped[str] = mapped_column(sa.String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    op: Mapped[str] = mapped_column(sa.String(32))
    item: Mapped[str] = mapped_column(sa.Text, doc="JSON object: the rule or assignment")
