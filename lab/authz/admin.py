"""Policy administration: rules and role assignments, each change versioned.

Every function works inside the caller's transaction (`session`) and never commits: the
change, its `policy_changes` row and the caller's audit event commit together or not at
all. Changes are serialised: SQLite transactions of the lab begin IMMEDIATE, and on
PostgreSQL each change first takes a transaction-scoped advisory lock, so two processes
never hand out the same version or insert the same rule twice.

Errors: InvalidInput for a malformed rule or assignment, Conflict for one that exists
already, NotFound for removing one that does not exist.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.authz.model import SEED_PATH
from lab.authz.models import PolicyChangeRow, casbin_rule
from lab.authz.seedfile import read_seed
from lab.authz.store import current_version
from lab.authz.vocabulary import check_assignment_fields, check_rule_fields
from lab.db.base import utcnow
from lab.errors import Conflict, InvalidInput, NotFound

__all__ = [
    "PolicyChange",
    "RoleAssignment",
    "Rule",
    "add_rule",
    "assign_role",
    "current_version",
    "history",
    "list_assignments",
    "list_rules",
    "remove_rule",
    "seed",
    "serialise",
    "unassign_role",
]

LOCK_KEY = int.from_bytes(hashlib.sha256(b"lab.authz:policy-lock").digest()[:8], signed=True)
"""PostgreSQL advisory lock id that serialises policy changes."""
_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)")
_COLUMNS = ("v0", "v1", "v2", "v3", "v4", "v5")
_T = casbin_rule.c


@dataclass(frozen=True)
class Rule:
    """`effect` ("allow" or "deny") for `role` doing `action` on `obj`; tenant `*`: every
    tenant."""

    role: str
    tenant: str
    obj: str
    action: str
    effect: str

    def values(self) -> tuple[str, ...]:
        return (self.role, self.tenant, self.obj, self.action, self.effect)


@dataclass(frozen=True)
class RoleAssignment:
    """`subject` holds `role` in `tenant` (`*` for the platform roles)."""

    subject: str
    role: str
    tenant: str

    def values(self) -> tuple[str, ...]:
        return (self.subject, self.role, self.tenant)


@dataclass(frozen=True)
class PolicyChange:
    version: int
    actor: str
    at: datetime
    op: str
    """add_rule, remove_rule, assign_role, unassign_role or seed."""
    item: dict[str, Any]


def list_rules(session: Session, *, tenant: str | None = None) -> list[Rule]:
    """Every rule in storage order; with `tenant`, those of exactly that tenant (or `*`)."""
    stmt = sa.select(_T.v0, _T.v1, _T.v2, _T.v3, _T.v4).where(_T.ptype == "p")
    if tenant is not None:
        stmt = stmt.where(_T.v1 == tenant)
    return [Rule(*(v or "" for v in row)) for row in session.execute(stmt.order_by(_T.id))]


def add_rule(session: Session, actor: str, rule: Rule) -> PolicyChange:
    _check_actor(actor)
    check_rule_fields(*rule.values())
    serialise(session)
    if _ids(session, "p", rule.values()):
        raise Conflict(f"the rule {_text('p', rule.values())} exists already")
    _insert(session, [("p", rule.values())])
    return _record(session, actor, "add_rule", asdict(rule))


def remove_rule(session: Session, actor: str, rule: Rule) -> PolicyChange:
    _check_actor(actor)
    _check_filled(asdict(rule))
    serialise(session)
    if not _delete(session, "p", rule.values()):
        raise NotFound(f"no rule {_text('p', rule.values())}")
    return _record(session, actor, "remove_rule", asdict(rule))


def list_assignments(
    session: Session, *, tenant: str | None = None, subject: str | None = None
) -> list[RoleAssignment]:
    """Role assignments in storage order, of exactly `tenant` and/or `subject` if given."""
    stmt = sa.select(_T.v0, _T.v1, _T.v2).where(_T.ptype == "g")
    if tenant is not None:
        stmt = stmt.where(_T.v2 == tenant)
    if subject is not None:
        stmt = stmt.where(_T.v0 == subject)
    return [
        RoleAssignment(*(v or "" for v in row)) for row in session.execute(stmt.order_by(_T.id))
    ]


def assign_role(session: Session, actor: str, a: RoleAssignment) -> PolicyChange:
    _check_actor(actor)
    check_assignment_fields(*a.values())
    serialise(session)
    if _ids(session, "g", a.values()):
        where = "the platform" if a.tenant == "*" else f"tenant {a.tenant}"
        raise Conflict(f"{a.subject} holds the role {a.role} in {where} already")
    _insert(session, [("g", a.values())])
    return _record(session, actor, "assign_role", asdict(a))


def unassign_role(session: Session, actor: str, a: RoleAssignment) -> PolicyChange:
    _check_actor(actor)
    _check_filled(asdict(a))
    serialise(session)
    if not _delete(session, "g", a.values()):
        raise NotFound(f"{a.subject} does not hold the role {a.role} in {a.tenant}")
    return _record(session, actor, "unassign_role", asdict(a))


def history(
    session: Session, *, limit: int = 100, before_version: int | None = None
) -> list[PolicyChange]:
    """Changes, newest first; `before_version` pages back from there."""
    if limit < 1:
        raise InvalidInput("limit must be at least 1", field="limit")
    stmt = sa.select(PolicyChangeRow).order_by(PolicyChangeRow.version.desc()).limit(limit)
    if before_version is not None:
        stmt = stmt.where(PolicyChangeRow.version < before_version)
    return [
        PolicyChange(row.version, row.actor, row.at, row.op, json.loads(row.item))
        for row in session.scalars(stmt)
    ]


def seed(session: Session, actor: str, *, path: Path | None = None) -> int:
    """Load the baseline policy (policies/seed.csv) if no rule exists yet, as one change.

    Returns the number of lines added, rules and role assignments (0 if rules existed);
    assignments that exist already are left alone.
    """
    _check_actor(actor)
    source = read_seed(path or SEED_PATH)
    serialise(session)
    if session.execute(sa.select(_T.id).where(_T.ptype == "p").limit(1)).first():
        return 0
    held = {
        tuple(row) for row in session.execute(sa.select(_T.v0, _T.v1, _T.v2).where(_T.ptype == "g"))
    }
    links = [a for a in source.assignments if a not in held]
    _insert(session, [("p", r) for r in source.rules] + [("g", a) for a in links])
    item = {
        "source": source.path.name,
        "sha256": source.sha256,
        "rules": len(source.rules),
        "assignments": len(links),
    }
    _record(session, actor, "seed", item)
    return len(source.rules) + len(links)


# -- helpers ------------------------------------------------------------------------------


def _check_actor(actor: str) -> None:
    if not actor or not actor.strip():
        raise InvalidInput("a policy change needs an actor", field="actor")


def _check_filled(fields: dict[str, str]) -> None:
    for name, value in fields.items():
        if not value or not value.strip():
            raise InvalidInput(f"{name} must not be empty", field=name)


def serialise(session: Session) -> None:
    """Wait for (then hold, until the transaction ends) the lock that orders policy changes.
    Also for a caller that must read the policy before it changes it (the lockout guard)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK, {"key": LOCK_KEY})


def _matches(ptype: str, values: tuple[str, ...]) -> list[sa.ColumnElement[bool]]:
    return [_T.ptype == ptype] + [_T[c] == v for c, v in zip(_COLUMNS, values, strict=False)]


def _ids(session: Session, ptype: str, values: tuple[str, ...]) -> list[int]:
    return list(session.scalars(sa.select(_T.id).where(*_matches(ptype, values))))


def _delete(session: Session, ptype: str, values: tuple[str, ...]) -> int:
    ids = _ids(session, ptype, values)
    if ids:
        session.execute(sa.delete(casbin_rule).where(_T.id.in_(ids)))
    return len(ids)


def _insert(session: Session, lines: list[tuple[str, tuple[str, ...]]]) -> None:
    if not lines:
        return
    rows = [
        {
            "ptype": ptype,
            **{c: (values[i] if i < len(values) else None) for i, c in enumerate(_COLUMNS)},
        }
        for ptype, values in lines
    ]
    session.execute(sa.insert(casbin_rule), rows)


def _record(session: Session, actor: str, op: str, item: dict[str, Any]) -> PolicyChange:
    version = current_version(session) + 1
    at = utcnow()
    row = PolicyChangeRow(
        version=version, actor=actor, at=at, op=op, item=json.dumps(item, sort_keys=True)
    )
    session.add(row)
    session.flush()
    return PolicyChange(version, actor, at, op, item)


def _text(ptype: str, values: tuple[str, ...]) -> str:
    return ", ".join((ptype, *values))
