"""Policy administration on SQLite and PostgreSQL: changes, versions, history, errors."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from lab.authz import admin
from lab.authz.admin import RoleAssignment, Rule
from lab.authz.models import casbin_rule
from lab.errors import Conflict, InvalidInput, NotFound

READ_DATASETS = Rule("engineer", "acme", "sandbox/datasets/*", "read", "allow")
ALICE = RoleAssignment("alice", "engineer", "acme")


def test_rule_lifecycle_is_versioned(sessions: sessionmaker[Session]) -> None:
    before = datetime.now(UTC)
    with sessions.begin() as s:
        assert admin.current_version(s) == 0
        added = admin.add_rule(s, "root", READ_DATASETS)
    assert (added.version, added.actor, added.op) == (1, "root", "add_rule")
    assert added.item == {
        "role": "engineer",
        "tenant": "acme",
        "obj": "sandbox/datasets/*",
        "action": "read",
        "effect": "allow",
    }
    with sessions.begin() as s:
        assert admin.list_rules(s) == [READ_DATASETS]
        assert admin.list_rules(s, tenant="acme") == [READ_DATASETS]
        assert admin.list_rules(s, tenant="*") == []
        removed = admin.remove_rule(s, "olga", READ_DATASETS)
        assert admin.list_rules(s) == []
    assert (removed.version, removed.op) == (2, "remove_rule")
    with sessions.begin() as s:
        changes = admin.history(s)
        assert admin.current_version(s) == 2
    assert [(c.version, c.actor, c.op) for c in changes] == [
        (2, "olga", "remove_rule"),
        (1, "root", "add_rule"),
    ]
    assert changes[1].item == added.item
    for change in changes:
        assert before - timedelta(seconds=1) <= change.at <= datetime.now(UTC)
        assert change.at.tzinfo is not None


def test_assignment_lifecycle(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        admin.assign_role(s, "root", ALICE)
        admin.assign_role(s, "root", RoleAssignment("alice", "viewer", "globex"))
        change = admin.assign_role(s, "root", RoleAssignment("carol", "compliance", "*"))
    assert (change.version, change.op) == (3, "assign_role")
    assert change.item == {"subject": "carol", "role": "compliance", "tenant": "*"}
    with sessions.begin() as s:
        assert len(admin.list_assignments(s)) == 3
        assert admin.list_assignments(s, tenant="acme") == [ALICE]
        assert admin.list_assignments(s, subject="alice", tenant="globex") == [
            RoleAssignment("alice", "viewer", "globex")
        ]
        assert admin.list_assignments(s, tenant="*") == [RoleAssignment("carol", "compliance", "*")]
        removed = admin.unassign_role(s, "root", ALICE)
        assert admin.list_assignments(s, subject="alice") == [
            RoleAssignment("alice", "viewer", "globex")
        ]
    assert (removed.version, removed.op) == (4, "unassign_role")


def test_duplicates_conflict_and_absent_is_not_found(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        admin.add_rule(s, "root", READ_DATASETS)
        admin.assign_role(s, "root", ALICE)
    with sessions.begin() as s:
        with pytest.raises(Conflict):
            admin.add_rule(s, "root", READ_DATASETS)
        with pytest.raises(Conflict):
            admin.assign_role(s, "root", ALICE)
        # the same rule with another effect is another rule
        admin.add_rule(s, "root", Rule("engineer", "acme", "sandbox/datasets/*", "read", "deny"))
        with pytest.raises(NotFound):
            admin.remove_rule(s, "root", Rule("viewer", "acme", "sandbox/*", "read", "allow"))
        with pytest.raises(NotFound):
            admin.unassign_role(s, "root", RoleAssignment("alice", "owner", "acme"))
        assert admin.current_version(s) == 3


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (Rule("wizard", "acme", "sandbox/*", "read", "allow"), "role"),
        (Rule("", "acme", "sandbox/*", "read", "allow"), "role"),
        (Rule("viewer", "", "sandbox/*", "read", "allow"), "tenant"),
        (Rule("viewer", "Acme Corp", "sandbox/*", "read", "allow"), "tenant"),
        (Rule("viewer", "acme", "", "read", "allow"), "obj"),
        (Rule("viewer", "acme", "sandbox/data*", "read", "allow"), "obj"),
        (Rule("viewer", "acme", "sandbox/ds.1", "read", "allow"), "obj"),
        (Rule("viewer", "acme", "*/datasets", "read", "allow"), "obj"),
        (Rule("viewer", "acme", "sandbox/a,b", "read", "allow"), "obj"),
        (Rule("viewer", "acme", "sandbox//x", "read", "allow"), "obj"),
        (Rule("viewer", "acme", "sandbox/*", "", "allow"), "action"),
        (Rule("viewer", "acme", "sandbox/*", "read all", "allow"), "action"),
        (Rule("viewer", "acme", "sandbox/*", "read", "permit"), "effect"),
        (Rule("viewer", "acme", "sandbox/*", "read", ""), "effect"),
    ],
)
def test_invalid_rules(sessions: sessionmaker[Session], rule: Rule, field: str) -> None:
    with sessions.begin() as s:
        with pytest.raises(InvalidInput) as raised:
            admin.add_rule(s, "root", rule)
        assert raised.value.details["field"] == field
        assert admin.current_version(s) == 0


@pytest.mark.parametrize(
    ("assignment", "field"),
    [
        (RoleAssignment("alice", "admin", "acme"), "tenant"),
        (RoleAssignment("alice", "compliance", "acme"), "tenant"),
        (RoleAssignment("alice", "owner", "*"), "tenant"),
        (RoleAssignment("alice", "wizard", "acme"), "role"),
        (RoleAssignment("", "viewer", "acme"), "subject"),
        (RoleAssignment("viewer", "engineer", "acme"), "subject"),
        (RoleAssignment("al ice", "viewer", "acme"), "subject"),
        (RoleAssignment("*", "viewer", "acme"), "subject"),
        (RoleAssignment("alice", "viewer", ""), "tenant"),
    ],
)
def test_invalid_assignments(
    sessions: sessionmaker[Session], assignment: RoleAssignment, field: str
) -> None:
    with sessions.begin() as s, pytest.raises(InvalidInput) as raised:
        admin.assign_role(s, "root", assignment)
    assert raised.value.details["field"] == field


def test_removal_with_empty_fields_and_changes_without_actor(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as s:
        with pytest.raises(InvalidInput):
            admin.remove_rule(s, "root", Rule("viewer", "acme", "", "read", "allow"))
        with pytest.raises(InvalidInput):
            admin.unassign_role(s, "root", RoleAssignment("alice", "", "acme"))
        with pytest.raises(InvalidInput):
            admin.add_rule(s, " ", READ_DATASETS)
        with pytest.raises(InvalidInput):
            admin.history(s, limit=0)


def test_change_rolls_back_with_the_callers_transaction(
    sessions: sessionmaker[Session],
) -> None:
    with pytest.raises(RuntimeError), sessions.begin() as s:
        admin.add_rule(s, "root", READ_DATASETS)
        raise RuntimeError("the caller's audit write failed")
    with sessions.begin() as s:
        assert admin.list_rules(s) == []
        assert admin.history(s) == []
        assert admin.current_version(s) == 0


def test_history_pages_back(sessions: sessionmaker[Session], db: Engine) -> None:
    with sessions.begin() as s:
        for n in range(7):
            admin.add_rule(s, f"user{n}", Rule("viewer", "acme", f"sandbox/d{n}", "read", "allow"))
    with sessions.begin() as s:
        first = admin.history(s, limit=3)
        second = admin.history(s, limit=3, before_version=first[-1].version)
        rest = admin.history(s, before_version=second[-1].version)
    assert [c.version for c in first] == [7, 6, 5]
    assert [c.version for c in second] == [4, 3, 2]
    assert [c.version for c in rest] == [1]
    assert rest[0].actor == "user0" and rest[0].item["obj"] == "sandbox/d0"
    with db.connect() as conn:  # current_version takes a Connection as well
        assert admin.current_version(conn) == 7


def test_rows_are_casbin_rows(sessions: sessionmaker[Session], db: Engine) -> None:
    """What the admin writes is what casbin's own SQLAlchemy adapter reads."""
    import casbin
    from sqlalchemy_adapter import Adapter

    from lab.authz.model import MODEL_PATH

    with sessions.begin() as s:
        admin.add_rule(s, "root", READ_DATASETS)
        admin.assign_role(s, "root", ALICE)
    with db.connect() as conn:
        rows = conn.execute(sa.select(casbin_rule).order_by(casbin_rule.c.id)).all()
    assert [tuple(r)[1:] for r in rows] == [
        ("p", "engineer", "acme", "sandbox/datasets/*", "read", "allow", None),
        ("g", "alice", "engineer", "acme", None, None, None),
    ]
    enforcer = casbin.Enforcer(str(MODEL_PATH), Adapter(db, create_table=False))
    assert enforcer.enforce("alice", "acme", "sandbox/datasets/ds-1", "read")
    assert not enforcer.enforce("alice", "globex", "sandbox/datasets/ds-1", "read")


def test_concurrent_changes_get_distinct_versions(sessions: sessionmaker[Session]) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                with sessions.begin() as s:
                    rule = Rule("viewer", "acme", f"sandbox/w{n}-{i}", "read", "allow")
                    admin.add_rule(s, f"writer{n}", rule)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sessions.begin() as s:
        versions = [c.version for c in admin.history(s, limit=100)]
        assert len(admin.list_rules(s)) == 20
    assert versions == list(range(20, 0, -1))
