"""The tenant, user, token and policy actions answer alike through the API and the CLI.

Both front ends are adapters over `lab.identity.service`, `lab.tokens.service` and
`lab.policy.service`. Each allowed call passes the chokepoint exactly once (one allow event,
naming the object the action is about, not one from the route and another from the
service) and a change writes exactly one event of its own. The walks
(`tests/lab/api/test_route_protection.py`, `tests/lab/cli/test_cli_walk.py`) prove the
refusals; this proves the allowed path, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from audit.schema import events_table
from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.tokens.service import issue_token
from tests.lab.factories import World
from tests.lab.releases.test_release_cli import lab

RULE = {"role": "viewer", "tenant": "*", "obj": "sandbox/x/*", "action": "read"}
ROLE = {"subject": "a-eng", "role": "viewer"}
STAFF_ROLE = {"subject": "carol", "role": "admin"}


@dataclass(frozen=True)
class Case:
    """One action, as the API and the CLI ask it (None: that front end has no such call)."""

    name: str
    api: tuple[str, str, dict[str, Any] | None] | None
    cli: tuple[str, ...] | None
    resource: str  # the object of the one allow event
    change: str | None = None  # the action's own audit event, if it changes anything


CASES = (
    Case("me", ("GET", "/v1/me", None), None, "platform/me"),
    Case("tenants list", ("GET", "/v1/tenants", None), ("tenants", "list"), "platform/tenants"),
    Case(
        "tenants create",
        ("POST", "/v1/tenants", {"slug": "newco", "name": "New Co"}),
        ("tenants", "create", "newco", "--name", "New Co"),
        "platform/tenants",
        "tenant.create",
    ),
    Case("tenants get", ("GET", "/v1/tenants/acme", None), None, "platform/tenants/acme"),
    Case(
        "users list",
        ("GET", "/v1/tenants/acme/users", None),
        ("users", "list", "--tenant", "acme"),
        "platform/users",
    ),
    Case("staff list", ("GET", "/v1/platform/users", None), ("users", "list"), "platform/users"),
    Case(
        "users create",
        ("POST", "/v1/tenants/acme/users", {"name": "newbie", "roles": ["viewer"]}),
        ("users", "create", "newbie", "--tenant", "acme", "--role", "viewer"),
        "platform/users",
        "user.create",
    ),
    Case("users get", ("GET", "/v1/users/a-eng", None), None, "platform/users/a-eng"),
    Case(
        "users disable",
        ("DELETE", "/v1/users/newbie", None),
        ("users", "disable", "newbie"),
        "platform/users/newbie",
        "user.disable",
    ),
    Case(
        "tokens list",
        ("GET", "/v1/users/a-eng/tokens", None),
        ("tokens", "list", "a-eng"),
        "platform/users/a-eng/tokens",
    ),
    Case(
        "tokens issue",
        ("POST", "/v1/users/a-eng/tokens", {"name": "t"}),
        ("tokens", "issue", "a-eng", "--name", "t"),
        "platform/users/a-eng/tokens",
        "token.issue",
    ),
    Case(
        "tokens revoke",
        ("DELETE", "/v1/users/a-eng/tokens/{token}", None),
        ("tokens", "revoke", "a-eng", "{token}"),
        "platform/users/a-eng/tokens/{token}",
        "token.revoke",
    ),
    Case("my tokens", ("GET", "/v1/me/tokens", None), None, "platform/me/tokens"),
    Case("rules", ("GET", "/v1/policy/rules", None), ("policy", "rules"), "platform/policy/rules"),
    Case(
        "rule add",
        ("POST", "/v1/policy/rules", RULE),
        ("policy", "add", "viewer", "sandbox/x/*", "read"),
        "platform/policy/rules",
        "policy.add_rule",
    ),
    Case(
        "rule remove",
        ("DELETE", "/v1/policy/rules", RULE),
        ("policy", "remove", "viewer", "sandbox/x/*", "read"),
        "platform/policy/rules",
        "policy.remove_rule",
    ),
    Case(
        "assignments",
        ("GET", "/v1/policy/assignments", None),
        ("policy", "assignments"),
        "platform/policy/assignments",
    ),
    Case(
        "tenant roles",
        ("GET", "/v1/tenants/acme/roles", None),
        ("policy", "assignments", "--tenant", "acme"),
        "platform/policy/assignments",
    ),
    Case(
        "assign",
        ("POST", "/v1/tenants/acme/roles", ROLE),
        ("policy", "assign", "a-eng", "viewer", "--tenant", "acme"),
        "platform/policy/assignments",
        "policy.assign_role",
    ),
    Case(
        "unassign",
        ("DELETE", "/v1/tenants/acme/roles", ROLE),
        ("policy", "unassign", "a-eng", "viewer", "--tenant", "acme"),
        "platform/policy/assignments",
        "policy.unassign_role",
    ),
    Case(
        "staff assign",
        ("POST", "/v1/platform/roles", STAFF_ROLE),
        ("policy", "assign", "carol", "admin"),
        "platform/policy/assignments",
        "policy.assign_role",
    ),
    Case(
        "history",
        ("GET", "/v1/policy/history", None),
        ("policy", "history"),
        "platform/policy/history",
    ),
    Case(
        "dry-run",
        (
            "POST",
            "/v1/policy/dry-run",
            {"subject": "a-eng", "tenant": "acme", "resource": "me", "action": "read"},
        ),
        ("policy", "check", "a-eng", "read", "me", "--tenant", "acme"),
        "platform/policy/rules",
    ),
    Case(
        "offboard",
        ("DELETE", "/v1/tenants/globex?confirm=globex", None),
        ("tenants", "offboard", "globex", "--yes"),
        "platform/tenants/globex",
        "destruction.summary",
    ),
)


def _events(world: World, after: int) -> list[sa.Row[Any]]:
    query = (
        sa.select(
            events_table.c.action,
            events_table.c.resource,
            events_table.c.decision,
            events_table.c.request_id,
        )
        .where(events_table.c.actor == "root", events_table.c.seq > after)
        .order_by(events_table.c.seq)
    )
    with world.lab.engine.connect() as conn:
        return list(conn.execute(query))


def _last(world: World) -> int:
    with world.lab.engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.max(events_table.c.seq))) or 0)


def _token_of_a_eng(world: World) -> str:
    issued = issue_token(world.lab, Principal("root", None), Actor("root"), "a-eng", name="target")
    return issued.id


def _check(world: World, case: Case, before: int, values: dict[str, str]) -> list[sa.Row[Any]]:
    events = _events(world, before)
    allowed = [e for e in events if e.decision == "allow"]
    assert [e.resource for e in allowed] == [case.resource.format(**values)], case.name
    assert not [e for e in events if e.decision == "deny"], case.name
    changes = [e for e in events if e.decision is None]
    assert [e.action for e in changes] == ([case.change] if case.change else []), case.name
    return events


def _send(
    world: World, front: str, call: Any, values: dict[str, str], who: str = "root"
) -> tuple[bool, str]:
    """Make an API call (method, url, body) or run a CLI command (argv) as `who`."""
    if front == "api":
        method, url, body = call
        response = world.call(method, who, url.format(**values), json=body)
        return response.status_code in (200, 201), response.text
    code, out = lab(world, who, *(a.format(**values) for a in call))
    return code == 0, out


@pytest.mark.parametrize("front", ["api", "cli"])
def test_every_allowed_call_is_one_decision_and_one_change(world: World, front: str) -> None:
    values = {"token": _token_of_a_eng(world)}
    for case in CASES:
        call = case.api if front == "api" else case.cli
        if call is None:
            continue
        before = _last(world)
        ok, out = _send(world, front, call, values)
        assert ok, f"{front} {case.name}: {out}"
        events = _check(world, case, before, values)
        if front == "api":
            assert len({e.request_id for e in events}) == 1, f"{case.name}: one request, one id"


def test_the_api_and_the_cli_cover_the_same_changes() -> None:
    """A change that only one front end can make is a copy waiting to drift."""
    only_one = [c.name for c in CASES if c.change and (c.api is None or c.cli is None)]
    assert only_one == []


def test_a_refused_token_is_audited_through_either_door(world: World) -> None:
    """The API audited a refused bearer token and the CLI did not; both ask
    `lab.tokens.service.authenticate` now."""
    world.tokens["forged"] = "lab_" + "a" * 16 + "_forged"
    for front in ("api", "cli"):
        before = _last(world)
        call = CASES[1].api if front == "api" else CASES[1].cli
        ok, _ = _send(world, front, call, {}, who="forged")
        assert not ok, front
        query = sa.select(events_table.c.action, events_table.c.outcome).where(
            events_table.c.seq > before
        )
        with world.lab.engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(query)] == [("auth.token", "rejected")], front
