"""A member of tenant A asking for anything of tenant B gets 404 and a deny event."""

from __future__ import annotations

import sqlalchemy as sa

from audit.store import events_table
from tests.lab.api.routes_catalogue import Call, calls
from tests.lab.factories import World

# Routes that name a tenant (in the path, the query, or through a user of that tenant).
TENANT_SCOPED = ("{tenant}", "{user}", "/v1/audit/events", "/v1/audit/export", "/v1/receipts")


def tenant_scoped_calls(world: World) -> list[Call]:
    all_calls = calls(world.client.app)  # type: ignore[arg-type]
    return [c for c in all_calls if any(mark in c.template for mark in TENANT_SCOPED)]


def _deny_events(world: World, actor: str, tenant: str) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(events_table)
        .where(
            events_table.c.actor == actor,
            events_table.c.tenant == tenant,
            events_table.c.decision == "deny",
        )
    )
    with world.lab.engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def test_every_tenant_scoped_route_hides_the_other_tenant(world: World) -> None:
    scoped = tenant_scoped_calls(world)
    assert len(scoped) >= 12
    for who in ("a-owner", "a-eng", "a-viewer"):
        for call in scoped:
            before = _deny_events(world, who, "globex")
            response = call.send(world.client, world.headers(who))
            assert response.status_code == 404, f"{who} {call}: {response.status_code}"
            assert response.json()["error"]["message"] == "not found"
            assert _deny_events(world, who, "globex") == before + 1, f"{who} {call}"


def test_an_unknown_tenant_looks_the_same_as_a_foreign_one(world: World) -> None:
    foreign = world.get("a-owner", "/v1/tenants/globex")
    missing = world.get("a-owner", "/v1/tenants/nosuch")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"]["message"] == missing.json()["error"]["message"]
    foreign_user = world.get("a-owner", "/v1/users/g-eng")
    missing_user = world.get("a-owner", "/v1/users/nosuch")
    assert foreign_user.status_code == missing_user.status_code == 404


def test_members_reach_their_own_tenant(world: World) -> None:
    assert world.get("a-eng", "/v1/tenants/acme").status_code == 200
    assert world.get("a-owner", "/v1/tenants/acme/users").status_code == 200
    assert world.get("a-owner", "/v1/users/a-eng").json()["roles"] == ["engineer"]


def test_platform_staff_reach_every_tenant(world: World) -> None:
    assert world.get("root", "/v1/tenants/globex").status_code == 200
    assert world.get("carol", "/v1/tenants/globex").status_code == 200
    assert world.get("carol", "/v1/audit/events?tenant=globex").status_code == 200
