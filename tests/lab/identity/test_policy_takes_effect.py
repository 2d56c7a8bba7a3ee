"""Changes this process makes to who holds which role apply to its next decision, however
long the policy refresh delay (which is for changes made by other processes)."""

from __future__ import annotations

from pathlib import Path

from tests.lab.factories import World


def test_a_user_created_with_a_role_can_act_at_once(tmp_path: Path) -> None:
    world = World.create(tmp_path / "home", policy_refresh_seconds=3600.0)
    try:
        world.user("root", roles=["admin"])
        world.tenant("acme")
        made = world.post(
            "root", "/v1/tenants/acme/users", json={"name": "newbie", "roles": ["engineer"]}
        )
        assert made.status_code == 201, made.text
        issued = world.post("root", "/v1/users/newbie/tokens", json={"name": "t"})
        assert issued.status_code == 201, issued.text
        world.tokens["newbie"] = issued.json()["token"]
        listed = world.get("newbie", "/v1/tenants/acme/zones/sandbox/datasets")
        assert listed.status_code == 200, listed.text
    finally:
        world.close()
