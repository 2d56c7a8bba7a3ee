"""No change leaves the lab without an active user able to administer the policy.

Every way around it that the front doors offer is tried, through the API and through the
services, on SQLite and PostgreSQL: removing the admin rule, withdrawing the last admin's
role, disabling the last admin, narrowing the admin rule, a deny rule that overrides it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from lab.auditing import Actor
from lab.authz import admin as policy_admin
from lab.authz.admin import Rule
from lab.authz.chokepoint import Principal
from lab.authz.models import casbin_rule
from lab.cli.common import CLI_PRINCIPAL
from lab.errors import LabError, WouldLockOut
from lab.identity import service as identity
from lab.policy import service as policy
from lab.tokens import service as tokens
from tests.lab.factories import World

ADMIN_RULE = {"role": "admin", "tenant": "*", "obj": "platform/*", "action": "*"}
REFUSAL = "this would leave no active user who can change policy"
ROOT = Principal(user="root", tenant=None)
PROBE_RULE = {"role": "viewer", "tenant": "acme", "obj": "sandbox/probe/*", "action": "read"}


def rule(body: dict[str, str], effect: str = "allow") -> Rule:
    return Rule(body["role"], body["tenant"], body["obj"], body["action"], effect)


@dataclass(frozen=True)
class Change:
    """One change, by `who`, through the API and through the service."""

    name: str
    api: Callable[[World, str], Any]
    service: Callable[[World, str], object]


def _api_rule(add: bool, body: dict[str, str]) -> Callable[[World, str], Any]:
    def call(world: World, who: str) -> Any:
        return (world.post if add else world.delete)(who, "/v1/policy/rules", json=body)

    return call


def _service_rule(add: bool, body: dict[str, str]) -> Callable[[World, str], object]:
    def call(world: World, who: str) -> object:
        change = policy.add_rule if add else policy.remove_rule
        effect = body.get("effect", "allow")
        return change(world.lab, Principal(who, None), Actor(who), rule(body, effect))

    return call


DENY_POLICY = {**ADMIN_RULE, "obj": "platform/policy/*", "effect": "deny"}
DENY_USERS = {**ADMIN_RULE, "obj": "platform/users", "action": "create", "effect": "deny"}

LOCKOUTS = [
    Change("remove the admin rule", _api_rule(False, ADMIN_RULE), _service_rule(False, ADMIN_RULE)),
    Change(
        "withdraw the last admin's role",
        lambda w, who: w.delete(who, "/v1/platform/roles", json={"subject": who, "role": "admin"}),
        lambda w, who: policy.unassign_role(
            w.lab, Principal(who, None), Actor(who), who, "admin", tenant="*"
        ),
    ),
    Change(
        "disable the last admin",
        lambda w, who: w.delete(who, f"/v1/users/{who}"),
        lambda w, who: identity.disable_user(w.lab, Principal(who, None), Actor(who), who),
    ),
    Change(
        "deny the policy to admins", _api_rule(True, DENY_POLICY), _service_rule(True, DENY_POLICY)
    ),
    Change(
        "deny admins creating users", _api_rule(True, DENY_USERS), _service_rule(True, DENY_USERS)
    ),
]


def _policy_state(world: World) -> tuple[int, list[Rule], list[policy_admin.RoleAssignment]]:
    with world.lab.read() as session:
        return (
            policy_admin.current_version(session),
            policy_admin.list_rules(session),
            policy_admin.list_assignments(session),
        )


def _still_administers(world: World, who: str) -> None:
    assert world.post(who, "/v1/policy/rules", json=PROBE_RULE).status_code == 201
    assert world.delete(who, "/v1/policy/rules", json=PROBE_RULE).status_code == 200


def _refusals(world: World) -> list[dict[str, Any]]:
    url = "/v1/audit/events?action=policy.lockout_refused&limit=100"
    events: list[dict[str, Any]] = world.get("carol", url).json()["events"]
    return events


@pytest.mark.parametrize("change", LOCKOUTS, ids=lambda c: c.name)
def test_the_last_admin_cannot_lock_the_policy_out_through_the_api(
    world: World, change: Change
) -> None:
    before = _policy_state(world)
    response = change.api(world, "root")
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "would_lock_out"
    assert error["message"].startswith(REFUSAL)
    assert error["administrators"] == "root"
    assert _policy_state(world) == before
    _still_administers(world, "root")
    refused = _refusals(world)
    assert len(refused) == 1 and refused[0]["actor"] == "root"
    assert refused[0]["outcome"] == "refused"


@pytest.mark.parametrize("change", LOCKOUTS, ids=lambda c: c.name)
def test_the_last_admin_cannot_lock_the_policy_out_through_the_services(
    world: World, change: Change
) -> None:
    before = _policy_state(world)
    with pytest.raises(WouldLockOut) as refused:
        change.service(world, "root")
    assert refused.value.message.startswith(REFUSAL)
    assert _policy_state(world) == before
    _still_administers(world, "root")


def test_a_deny_rule_for_a_role_the_admin_does_not_hold_is_no_lockout(world: World) -> None:
    deny = {**DENY_POLICY, "role": "compliance"}
    assert _api_rule(True, deny)(world, "root").status_code == 201
    _still_administers(world, "root")


def test_narrowing_the_admin_rule_is_judged_by_what_it_still_allows(world: World) -> None:
    policy_only = {**ADMIN_RULE, "obj": "platform/policy/*"}
    assert world.post("root", "/v1/policy/rules", json=policy_only).status_code == 201
    # The narrower rule leaves the policy to admins but not the people: still a lockout.
    narrowed = world.delete("root", "/v1/policy/rules", json=ADMIN_RULE)
    assert narrowed.status_code == 409
    assert "create platform/users" in narrowed.json()["error"]["message"]
    users = {**ADMIN_RULE, "obj": "platform/users", "action": "create"}
    assert world.post("root", "/v1/policy/rules", json=users).status_code == 201
    # Now the narrower rules cover every administration request: the broad one may go.
    assert world.delete("root", "/v1/policy/rules", json=ADMIN_RULE).status_code == 200
    _still_administers(world, "root")
    assert world.post("root", "/v1/platform/users", json={"name": "newadmin"}).status_code == 201


def test_two_steps_the_first_while_another_admin_remains(world: World) -> None:
    world.user("root2", roles=["admin"])
    first = world.delete("root2", "/v1/platform/roles", json={"subject": "root", "role": "admin"})
    assert first.status_code == 200
    assert world.post("root", "/v1/policy/rules", json=PROBE_RULE).status_code == 403
    second = world.delete("root2", "/v1/platform/roles", json={"subject": "root2", "role": "admin"})
    assert second.status_code == 409
    assert "withdrawing the role admin on the platform from root2" in second.text
    _still_administers(world, "root2")


def test_disabling_admins_one_after_the_other(world: World) -> None:
    world.user("root2", roles=["admin"])
    assert world.delete("root2", "/v1/users/root").status_code == 200
    assert world.delete("root2", "/v1/users/root2").status_code == 409
    _still_administers(world, "root2")


def test_two_admins_withdrawing_each_other_at_once_leave_one(world: World) -> None:
    world.user("root2", roles=["admin"])
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def withdraw(who: str, whom: str) -> None:
        barrier.wait()
        try:
            policy.unassign_role(
                world.lab, Principal(who, None), Actor(who), whom, "admin", tenant="*"
            )
            outcomes[who] = "done"
        except LabError as exc:
            outcomes[who] = type(exc).__name__

    threads = [
        threading.Thread(target=withdraw, args=("root", "root2")),
        threading.Thread(target=withdraw, args=("root2", "root")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # Whichever ran second was refused: by the guard, or (its role gone) by the chokepoint.
    assert sorted(outcomes.values()) in (["WouldLockOut", "done"], ["Forbidden", "done"])
    with world.lab.read() as session:
        admins = [a.subject for a in policy_admin.list_assignments(session, tenant="*")]
    assert len({"root", "root2"} & set(admins)) == 1


def test_revoking_the_last_admins_last_token_is_allowed_and_the_console_issues_another(
    world: World,
) -> None:
    token_id = world.get("root", "/v1/me/tokens").json()[0]["id"]
    assert world.delete("root", f"/v1/me/tokens/{token_id}").status_code == 200
    assert world.post("root", "/v1/policy/rules", json=PROBE_RULE).status_code == 401
    console = Actor("system:cli:operator")
    issued = tokens.issue_token(world.lab, CLI_PRINCIPAL, console, "root", name="after revoke")
    world.tokens["root"] = issued.token
    _still_administers(world, "root")


def test_a_lab_with_no_admin_left_is_not_held_to_it(world: World) -> None:
    """Locked out already (a change that bypassed the guard): the console repairs freely."""
    with world.lab.transaction() as session:
        policy_admin.unassign_role(
            session, "system:test", policy_admin.RoleAssignment("root", "admin", "*")
        )
    console = Actor("system:cli:operator")
    change = policy.assign_role(world.lab, CLI_PRINCIPAL, console, "root", "admin", tenant="*")
    assert change.op == "assign_role"
    _still_administers(world, "root")


def test_changes_that_keep_an_admin_pass(world: World) -> None:
    assert world.delete("root", "/v1/users/a-owner").status_code == 200
    viewer = {"subject": "a-viewer", "role": "viewer"}
    assert world.delete("root", "/v1/tenants/acme/roles", json=viewer).status_code == 200
    deny = {**PROBE_RULE, "effect": "deny"}
    assert world.post("root", "/v1/policy/rules", json=deny).status_code == 201
    assert _refusals(world) == []


# -- dry-run --------------------------------------------------------------------------------


def test_the_dry_run_reports_the_lockout_as_a_finding_and_changes_nothing(world: World) -> None:
    before = _policy_state(world)
    body = {
        "subject": "root",
        "resource": "policy/rules",
        "action": "create",
        "change": {"op": "remove_rule", "rule": ADMIN_RULE},
    }
    answer = world.post("root", "/v1/policy/dry-run", json=body)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["change_accepted"] is False
    refusal = world.delete("root", "/v1/policy/rules", json=ADMIN_RULE).json()["error"]["message"]
    assert found["findings"] == [refusal]
    # The request is judged with the change made: root would be refused.
    assert found["allowed"] is False
    assert found["policy_version"] == before[0]
    assert _policy_state(world) == before


@pytest.mark.parametrize(
    ("change", "accepted", "says"),
    [
        (
            {
                "op": "unassign_role",
                "assignment": {"subject": "root", "role": "admin", "tenant": "*"},
            },
            False,
            REFUSAL,
        ),
        ({"op": "add_rule", "rule": {**DENY_POLICY}}, False, REFUSAL),
        ({"op": "add_rule", "rule": PROBE_RULE}, True, None),
        ({"op": "remove_rule", "rule": PROBE_RULE}, False, "no rule"),
        (
            {
                "op": "assign_role",
                "assignment": {"subject": "root", "role": "admin", "tenant": "*"},
            },
            False,
            "already",
        ),
    ],
    ids=["unassign-last-admin", "deny-overrides", "harmless", "not-there", "duplicate"],
)
def test_the_dry_run_of_each_change_kind(
    world: World, change: dict[str, Any], accepted: bool, says: str | None
) -> None:
    before = _policy_state(world)
    found = world.post("carol", "/v1/policy/dry-run", json={"change": change}).json()
    assert found["change_accepted"] is accepted
    assert found["allowed"] is None
    if says is None:
        assert found["findings"] == []
    else:
        assert len(found["findings"]) == 1 and says in found["findings"][0]
    assert _policy_state(world) == before


def test_the_dry_run_judges_the_request_after_the_change(world: World) -> None:
    grant = {"role": "viewer", "tenant": "acme", "obj": "platform/users", "action": "create"}
    body = {"subject": "a-viewer", "tenant": "acme", "resource": "users", "action": "create"}
    now = world.post("root", "/v1/policy/dry-run", json=body).json()
    after = world.post(
        "root", "/v1/policy/dry-run", json={**body, "change": {"op": "add_rule", "rule": grant}}
    ).json()
    assert now["allowed"] is False and now["change_accepted"] is None
    assert after["allowed"] is True and after["change_accepted"] is True
    assert after["rule"] == ["p", "viewer", "acme", "platform/users", "create", "allow"]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        # Well-formed by the schema, but nothing (or half a request) to judge: the service
        # refuses it (400), since a schema cannot say "all three or none".
        ({}, 400, "a dry-run needs a request, a change, or both"),
        ({"subject": "root"}, 400, "a request needs subject, resource and action"),
        # Malformed by the schema itself: 422.
        ({"change": {"op": "add_rule"}}, 422, "invalid request"),
        (
            {
                "change": {
                    "op": "add_rule",
                    "assignment": {"subject": "a", "role": "b", "tenant": "*"},
                }
            },
            422,
            "invalid request",
        ),
        ({"change": {"op": "drop_table", "rule": PROBE_RULE}}, 422, "invalid request"),
    ],
)
def test_a_malformed_dry_run_is_a_clear_4xx(
    world: World, body: dict[str, Any], status: int, says: str
) -> None:
    answer = world.post("root", "/v1/policy/dry-run", json=body)
    assert answer.status_code == status
    assert answer.json()["error"]["message"].startswith(says)


def test_an_administrator_by_a_rule_naming_them_counts_too(world: World) -> None:
    """The vocabulary names roles in rules, but a stored line naming a user is judged by
    the engine like any other: root2 administers through it, so root may step down."""
    world.user("root2")
    with world.lab.transaction() as session:
        session.execute(
            sa.insert(casbin_rule).values(
                ptype="p", v0="root2", v1="*", v2="platform/*", v3="*", v4="allow"
            )
        )
        policy_admin.add_rule(session, "system:test", rule(PROBE_RULE))  # a new version
    world.lab.policy.refresh(force=True)
    withdraw = {"subject": "root", "role": "admin"}
    assert world.delete("root", "/v1/platform/roles", json=withdraw).status_code == 200
    assert world.delete("root2", "/v1/users/root2").status_code == 409
