"""Reading the stored policy: its version, and a consistent snapshot of all its lines."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from lab.authz.models import PolicyChangeRow, casbin_rule
from lab.errors import ConfigurationError

_ARITY = {"p": 5, "g": 3}
# A value must read back from casbin's comma-separated line exactly as stored.
_CLEAN = re.compile(r"[^\s,()\[\]]+")


@dataclass(frozen=True, slots=True)
class PolicyLine:
    """One casbin_rule row as casbin sees it: `ptype, v0, v1, ...`."""

    id: int
    ptype: str
    values: tuple[str, ...]

    @property
    def text(self) -> str:
        return ", ".join((self.ptype, *self.values))


def current_version(conn_or_session: Connection | Session) -> int:
    """The stored policy version: the number of the latest change, 0 before any."""
    stmt = sa.select(sa.func.coalesce(sa.func.max(PolicyChangeRow.version), 0))
    return int(conn_or_session.execute(stmt).scalar_one())


def read_policy(db: Engine) -> tuple[int, list[PolicyLine]]:
    """The policy version and every rule and role assignment, in storage order, read in one
    snapshot (repeatable read on PostgreSQL, one read transaction on SQLite)."""
    with db.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        return current_version(conn), read_lines(conn)


def read_lines(
    conn_or_session: Connection | Session, *, domains: Collection[str] | None = None
) -> list[PolicyLine]:
    """Every rule and role assignment, in storage order, as the caller's transaction sees
    them (its own changes not yet committed included); with `domains`, only the lines of
    those domains (rules by tenant, role assignments by domain)."""
    t = casbin_rule.c
    stmt = sa.select(t.id, t.ptype, t.v0, t.v1, t.v2, t.v3, t.v4, t.v5)
    if domains is None:
        stmt = stmt.where(t.ptype.in_(tuple(_ARITY)))
    else:
        names = sorted(domains)
        stmt = stmt.where(
            sa.or_(
                sa.and_(t.ptype == "p", t.v1.in_(names)),
                sa.and_(t.ptype == "g", t.v2.in_(names)),
            )
        )
    rows = conn_or_session.execute(stmt.order_by(t.id)).all()
    return [_line(row) for row in rows]


def _line(row: Sequence[object]) -> PolicyLine:
    row_id, ptype, *raw = row
    values = tuple(str(v) for v in raw if v is not None)
    if len(values) != _ARITY[str(ptype)] or not all(_CLEAN.fullmatch(v) for v in values):
        # Fail closed: a line casbin would read differently (or refuse) must not be guessed at.
        raise ConfigurationError(
            f"casbin_rule row {row_id} is malformed ({ptype}, {', '.join(values)}): "
            "fix or remove it; the policy cannot be loaded until then"
        )
    return PolicyLine(int(str(row_id)), str(ptype), values)
