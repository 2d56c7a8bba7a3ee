"""Policy administration through the API: versioned, audited, effective at once."""

from __future__ import annotations

from tests.lab.factories import World

RULE = {"role": "viewer", "tenant": "acme", "obj": "platform/users", "action": "create"}


def _can_create_user(world: World, who: str, name: str) -> int:
    return int(world.post(who, "/v1/tenants/acme/users", json={"name": name}).status_code)


def test_adding_and_removing_a_rule_takes_effect_and_is_versioned(world: World) -> None:
    assert _can_create_user(world, "a-viewer", "v1user") == 403
    added = world.post("root", "/v1/policy/rules", json=RULE)
    assert added.status_code == 201
    assert _can_create_user(world, "a-viewer", "v2user") == 201
    removed = world.delete("root", "/v1/policy/rules", json=RULE)
    assert removed.status_code == 200
    assert removed.json()["version"] == added.json()["version"] + 1
    assert _can_create_user(world, "a-viewer", "v3user") == 403

    history = world.get("carol", "/v1/policy/history?limit=2").json()
    assert [h["op"] for h in history] == ["remove_rule", "add_rule"]
    assert history[0]["actor"] == "root"
    events = world.get("carol", "/v1/audit/events?action=policy.*&limit=1000").json()["events"]
    assert [e["action"] for e in events][-2:] == ["policy.add_rule", "policy.remove_rule"]


def test_a_deny_rule_wins(world: World) -> None:
    deny = {**RULE, "role": "owner", "effect": "deny"}
    assert world.post("root", "/v1/policy/rules", json=deny).status_code == 201
    assert _can_create_user(world, "a-owner", "blocked") == 403
    assert world.get("a-owner", "/v1/tenants/globex").status_code == 404


def test_dry_run_names_the_rule(world: World) -> None:
    body = {
        "subject": "a-eng",
        "tenant": "acme",
        "zone": "platform",
        "resource": "me",
        "action": "read",
    }
    allowed = world.post("root", "/v1/policy/dry-run", json=body).json()
    assert allowed["allowed"] is True and allowed["rule"]
    denied = world.post(
        "root", "/v1/policy/dry-run", json={**body, "tenant": "globex", "resource": "users"}
    ).json()
    assert denied["allowed"] is False and denied["reason"]


def test_owners_grant_roles_in_their_tenant_only(world: World) -> None:
    grant = {"subject": "a-viewer", "role": "engineer"}
    assert world.post("a-owner", "/v1/tenants/acme/roles", json=grant).status_code == 201
    assert "engineer" in world.get("a-owner", "/v1/users/a-viewer").json()["roles"]
    foreign = {"subject": "g-viewer", "role": "engineer"}
    assert world.post("a-owner", "/v1/tenants/globex/roles", json=foreign).status_code == 404
    stranger = {"subject": "g-viewer", "role": "engineer"}
    assert world.post("a-owner", "/v1/tenants/acme/roles", json=stranger).status_code == 404
    assert world.post("a-eng", "/v1/tenants/acme/roles", json=grant).status_code == 403


def test_platform_roles_go_to_staff_only(world: World) -> None:
    body = {"subject": "a-eng", "role": "admin"}
    response = world.post("root", "/v1/platform/roles", json=body)
    assert response.status_code == 400
    assert "platform staff" in response.json()["error"]["message"]


def test_a_second_process_sees_a_policy_change_without_restart(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.lab.policy_probe import run_probe

    outcome = run_probe(world, RULE)
    assert outcome == ["deny", "allow"]
