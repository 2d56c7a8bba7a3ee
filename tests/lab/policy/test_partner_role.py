"""The tenant role `partner`: a data owner's tenant gives it to another tenant's users only,
and it grants nothing until the tenant's rules say what is shared."""

from __future__ import annotations

import pytest

from tests.lab.factories import World

BANK_ROLES = "/v1/tenants/globex/roles"


@pytest.mark.parametrize(
    ("subject", "role", "status"),
    [
        ("a-eng", "partner", 201),  # another tenant's user: the role's purpose
        ("g-eng", "partner", 400),  # the tenant's own user: a partner of itself, no
        ("carol", "partner", 400),  # platform staff hold platform roles
        ("a-eng", "viewer", 404),  # any other tenant role stays with the tenant's users
    ],
)
def test_who_may_be_given_the_partner_role(
    sqlite_world: World, subject: str, role: str, status: int
) -> None:
    answer = sqlite_world.post("root", BANK_ROLES, json={"subject": subject, "role": role})
    assert answer.status_code == status, answer.text


def test_the_partner_role_grants_only_what_the_rules_share(sqlite_world: World) -> None:
    world = sqlite_world
    assert world.post("root", BANK_ROLES, json={"subject": "a-eng", "role": "partner"}).is_success
    datasets = "/v1/tenants/globex/zones/production/datasets"
    assert world.get("a-eng", datasets).status_code == 403  # a member now, but no rule yet
    rule = {
        "role": "partner",
        "tenant": "globex",
        "obj": "production/datasets/merchants",
        "action": "read",
        "effect": "allow",
    }
    assert world.post("root", "/v1/policy/rules", json=rule).is_success
    assert world.get("a-eng", datasets).status_code == 403  # the list is not shared
    assert world.get("a-eng", "/v1/tenants/globex/zones/sandbox/datasets").status_code == 403
    assert world.get("g-owner", datasets).status_code == 200  # the owner lists its own
