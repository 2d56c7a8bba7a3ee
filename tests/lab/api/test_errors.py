"""One error shape for every failure; no stack trace ever reaches a client."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lab.api.app import create_app
from tests.lab.factories import World


@pytest.mark.parametrize(
    ("body", "status", "code", "says"),
    [
        ({"slug": "Bad Slug!", "name": "x"}, 400, "invalid_input", "tenant slug"),
        ({"slug": "platform", "name": "x"}, 400, "invalid_input", "reserved"),
        ({"slug": "acme", "name": "again"}, 409, "conflict", "already exists"),
        ({"slug": "newco"}, 422, "invalid_input", "body.name"),
        ({"slug": "okco", "name": "   "}, 400, "invalid_input", "needs a name"),
    ],
)
def test_bad_input_gets_a_clear_client_error(
    sqlite_world: World, body: dict[str, str], status: int, code: str, says: str
) -> None:
    response = sqlite_world.post("root", "/v1/tenants", json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert says in error["message"]
    assert error["request_id"] == response.headers["x-request-id"]


def test_bad_input_loses_nothing(sqlite_world: World) -> None:
    sqlite_world.post("root", "/v1/tenants", json={"slug": "acme", "name": "dup"})
    tenants = sqlite_world.get("root", "/v1/tenants").json()
    assert [t["slug"] for t in tenants] == ["acme", "globex"]
    assert next(t for t in tenants if t["slug"] == "acme")["name"] == "Acme"


def test_a_client_request_id_is_kept(sqlite_world: World) -> None:
    response = sqlite_world.get("a-eng", "/v1/me", headers={"X-Request-ID": "client-id-12345"})
    assert response.headers["x-request-id"] == "client-id-12345"


def test_an_unexpected_error_is_a_500_with_request_id_and_no_trace(sqlite_world: World) -> None:
    app = create_app(sqlite_world.lab)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal"
    assert len(error["request_id"]) == 32
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text


def test_unknown_paths_use_the_same_error_shape(sqlite_world: World) -> None:
    response = sqlite_world.client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
