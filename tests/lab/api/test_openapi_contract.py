"""The OpenAPI document says what each route answers: every error status with the error
body's schema, and a schema or content type for every success."""

from __future__ import annotations

from typing import Any

import pytest

from lab.api.responses import route_statuses
from tests.lab.factories import World

OPEN = {"/health"}
ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture
def document(sqlite_world: World) -> dict[str, Any]:
    return sqlite_world.client.app.openapi()  # type: ignore[attr-defined, no-any-return]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    ]


def test_every_protected_route_declares_401_403_and_422(document: dict[str, Any]) -> None:
    ops = operations(document)
    assert len(ops) >= 60
    missing = [
        f"{method} {path}"
        for method, path, op in ops
        if path not in OPEN and not {"401", "403", "422"} <= set(op["responses"])
    ]
    assert missing == []


def test_routes_that_take_input_declare_400_and_422(document: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for method, path, op in operations(document)
        if (op.get("parameters") or op.get("requestBody"))
        and not {"400", "422"} <= set(op["responses"])
    ]
    assert missing == []


def test_routes_with_a_body_declare_413_and_changes_declare_409(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        if "requestBody" in op:
            assert "413" in op["responses"], f"{method} {path}"
        if method in ("POST", "PUT", "DELETE"):
            assert "409" in op["responses"], f"{method} {path}"


def test_every_error_response_has_the_error_body_schema(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, f"{method} {path} {status}"
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "request_id"}


def test_every_success_has_a_content_type_and_json_a_schema(document: dict[str, Any]) -> None:
    for method, path, op in operations(document):
        successes = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert len(successes) == 1, f"{method} {path}"
        (response,) = successes.values()
        assert response.get("content"), f"{method} {path}"
        json_schema = response["content"].get("application/json", {}).get("schema")
        if json_schema is not None:
            assert json_schema != {}, f"{method} {path} has an untyped JSON response"


def test_the_statuses_follow_what_a_route_depends_on(sqlite_world: World) -> None:
    from fastapi.routing import APIRoute

    from lab.api.routes import audit, health, tenants

    def route(router: Any, path: str, method: str) -> APIRoute:
        return next(
            r
            for r in router.routes
            if isinstance(r, APIRoute) and r.path == path and method in r.methods
        )

    assert route_statuses(route(health.router, "/health", "GET")) == {422}
    assert route_statuses(route(audit.router, "/v1/audit/verify", "GET")) == {
        401,
        403,
        404,
        422,
    }
    assert route_statuses(route(tenants.router, "/v1/tenants", "POST")) == {
        400,
        401,
        403,
        404,
        409,
        413,
        422,
    }
