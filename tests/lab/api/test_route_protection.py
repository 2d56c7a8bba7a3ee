"""Every route but /health passes the chokepoint; a route that forgets it fails here."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from audit.store import events_table
from tests.lab.api.routes_catalogue import (
    api_routes,
    authorization_marks,
    calls,
    protected_routes,
    served_operations,
)
from tests.lab.factories import World


def _count_events(world: World, **where: str) -> int:
    query = sa.select(sa.func.count()).select_from(events_table)
    for column, value in where.items():
        query = query.where(events_table.c[column] == value)
    with world.lab.engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def test_the_walk_sees_every_published_operation(world: World) -> None:
    app = world.client.app
    walked = {
        (m, r.path)
        for r in api_routes(app)
        for m in r.methods - {"HEAD", "OPTIONS"}  # type: ignore[arg-type]
    }
    assert walked == served_operations(app)  # type: ignore[arg-type]


def test_every_route_declares_the_chokepoint(world: World) -> None:
    routes = protected_routes(world.client.app)  # type: ignore[arg-type]
    assert len(routes) >= 20
    unprotected = [f"{sorted(r.methods)} {r.path}" for r in routes if not authorization_marks(r)]
    assert unprotected == []


def test_health_is_open_and_says_nothing_of_tenants(world: World) -> None:
    response = world.client.get("/health")
    assert response.status_code == 200
    assert set(response.json()) == {"status", "version"}


def test_every_route_refuses_a_request_without_token(world: World) -> None:
    for call in calls(world.client.app):  # type: ignore[arg-type]
        response = call.send(world.client)
        assert response.status_code == 401, str(call)
        assert response.json()["error"]["code"] == "unauthenticated"
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "bearer", ["lab_nothere_xyz", "not-a-token", "lab__", "lab_" + "a" * 16 + "_forged"]
)
def test_unknown_tokens_are_refused_and_audited(world: World, bearer: str) -> None:
    before = _count_events(world, action="auth.token")
    response = world.client.get("/v1/me", headers={"Authorization": f"Bearer {bearer}"})
    assert response.status_code == 401
    assert _count_events(world, action="auth.token") == before + 1


def test_a_user_without_roles_is_denied_everywhere_and_each_denial_audited(
    world: World,
) -> None:
    world.user("nobody")  # platform user, no role at all
    for call in calls(world.client.app):  # type: ignore[arg-type]
        denied_before = _count_events(world, actor="nobody", decision="deny")
        response = call.send(world.client, world.headers("nobody"))
        assert response.status_code in (403, 404), f"{call}: {response.status_code}"
        assert _count_events(world, actor="nobody", decision="deny") == denied_before + 1


def test_allowed_requests_are_audited_too(world: World) -> None:
    before = _count_events(world, actor="a-eng", decision="allow")
    assert world.get("a-eng", "/v1/me").status_code == 200
    assert _count_events(world, actor="a-eng", decision="allow") == before + 1
