"""The console's rules, in process: sessions, cookie flags, CSRF, redirects, error pages,
and the audit of allow and deny, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from audit.store import events_table
from lab.console import sessions
from tests.conftest import BACKENDS
from tests.lab.api.routes_catalogue import api_routes
from tests.lab.blueprints import copied_world
from tests.lab.factories import World

SAMPLE = {
    "seq": "1",
    "zone": "sandbox",
    "release_id": "0000000000000000",
    "promotion_id": "0000000000000000",
    "tenant": "acme",
    "name": "merchants",
    "version": "1",
    "user": "a-eng",
    "token_id": "0000000000000000",
    "plot": "roc",
    "run_id": "0000000000000000",
}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def world(sqlite_world: World) -> World:
    """The rules of the pages do not depend on the backend: SQLite; the audit of allow and
    deny, which does, runs on both (`test_pages_are_audited_on_allow_and_deny`)."""
    return sqlite_world


def count_events(world: World, **where: str) -> int:
    """Audit events whose columns hold the given values."""
    query = sa.select(sa.func.count()).select_from(events_table)
    for column, value in where.items():
        query = query.where(events_table.c[column] == value)
    with world.lab.engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def _client(world: World) -> TestClient:
    return TestClient(world.client.app, raise_server_exceptions=False)


def login(world: World, who: str, *, home: bool = True) -> tuple[TestClient, str]:
    """A client logged in as `who`, and its session's CSRF token (read from the start
    page; `home=False` for someone the start page refuses: no token then)."""
    client = _client(world)
    page = client.get("/console/login")
    token = CSRF.search(page.text)
    assert token is not None
    done = client.post(
        "/console/login",
        data={"token": world.tokens[who], "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    if not home:
        return client, ""
    start = client.get("/console/")
    csrf = CSRF.search(start.text)
    assert csrf is not None
    return client, csrf.group(1)


def console_routes(world: World) -> list[APIRoute]:
    app: Any = world.client.app
    mount: Any = next(r for r in app.routes if getattr(r, "path", "") == "/console")
    return api_routes(mount.app)


def test_every_console_page_but_login_needs_a_session(world: World) -> None:
    routes = console_routes(world)
    assert len(routes) >= 6
    assert {"/admin/users/{user}/tokens", "/models/{tenant}/{zone}/{name}"} <= {
        r.path for r in routes
    }
    client = _client(world)
    for route in routes:
        if route.path == "/login":
            continue
        path = "/console" + re.sub(r"{(\w+)}", lambda m: SAMPLE[m.group(1)], route.path)
        for method in set(route.methods or ()) - {"HEAD"}:
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code == 303, f"{method} {path}"
            assert response.headers["location"] == "/console/login"


def _walk(world: World, method: str) -> list[str]:
    """The console's paths answering `method`, with sample path parameters; not login."""
    return [
        "/console" + re.sub(r"{(\w+)}", lambda m: SAMPLE[m.group(1)], route.path)
        for route in console_routes(world)
        if route.path != "/login" and method in (route.methods or ())
    ]


def test_the_new_pages_are_walked(world: World) -> None:
    for path in ("/console/zones", "/console/zones/sandbox", "/console/policy"):
        assert path in _walk(world, "GET")
    assert "/console/policy/dry-run" in _walk(world, "POST")


def _decisions(world: World, who: str) -> int:
    """Access decisions recorded for `who`, allowed or denied."""
    return sum(count_events(world, actor=who, decision=d) for d in ("allow", "deny"))


@pytest.mark.parametrize("who", ["a-eng", "carol"])
def test_every_page_asks_the_chokepoint_and_answers_with_a_page(world: World, who: str) -> None:
    """Each page, opened, records at least one access decision (allowed or not); whatever
    the answer, it is a page, never a crash."""
    client, _ = login(world, who)
    for path in _walk(world, "GET"):
        before = _decisions(world, who)
        response = client.get(path, follow_redirects=False)
        assert response.status_code in (200, 400, 403, 404), f"{path}: {response.status_code}"
        assert "Traceback" not in response.text
        assert _decisions(world, who) > before, f"{path} asked nothing"


def test_every_form_needs_its_csrf_token(world: World) -> None:
    client, _ = login(world, "carol")
    for path in _walk(world, "POST"):
        before = count_events(world, action="console.csrf", actor="carol")
        response = client.post(path, data={"reason": "case 1", "comment": "x"})
        assert response.status_code == 403, path
        assert "security token" in response.text
        assert count_events(world, action="console.csrf", actor="carol") == before + 1, path


def test_the_console_stays_out_of_the_api_schema(world: World) -> None:
    paths = world.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    assert not [p for p in paths if p.startswith("/console")]


def test_login_sets_a_strict_http_only_cookie_without_the_token(world: World) -> None:
    client = _client(world)
    page = client.get("/console/login")
    csrf = CSRF.search(page.text)
    assert csrf is not None
    response = client.post(
        "/console/login",
        data={"token": world.tokens["a-eng"], "csrf": csrf.group(1)},
        follow_redirects=False,
    )
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(sessions.COOKIE + "=")
    )
    flags = cookie.lower()
    assert "httponly" in flags and "samesite=strict" in flags and "path=/console" in flags
    assert world.tokens["a-eng"] not in cookie
    secret = world.tokens["a-eng"].split("_", 2)[2]  # lab_<id>_<secret>; the secret may hold _
    assert len(secret) >= 20 and secret not in cookie


def test_a_wrong_token_is_refused_and_audited(world: World) -> None:
    client = _client(world)
    page = client.get("/console/login")
    csrf = CSRF.search(page.text)
    assert csrf is not None
    before = count_events(world, action="auth.token")
    response = client.post(
        "/console/login", data={"token": "lab_nothere_xyz", "csrf": csrf.group(1)}
    )
    assert response.status_code == 401
    assert "not accepted" in response.text
    assert sessions.COOKIE not in client.cookies
    assert count_events(world, action="auth.token") == before + 1


def test_login_without_its_form_token_is_refused(world: World) -> None:
    client = _client(world)
    response = client.post("/console/login", data={"token": world.tokens["a-eng"]})
    assert response.status_code == 403
    assert sessions.COOKIE not in client.cookies


def test_a_forged_cookie_is_no_session(world: World) -> None:
    client = _client(world)
    client.cookies.set(sessions.COOKIE, "gAAAAABforged", path="/console")
    response = client.get("/console/audit", follow_redirects=False)
    assert response.status_code == 303


def test_a_revoked_token_ends_the_session(world: World) -> None:
    client, _ = login(world, "a-eng")
    assert client.get("/console/").status_code == 200
    me = world.get("a-eng", "/v1/me").json()
    assert world.delete("a-eng", f"/v1/me/tokens/{me['token_id']}").status_code in (200, 204)
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_audited(
    world: World,
) -> None:
    client, csrf = login(world, "carol")
    for data in ({}, {"csrf": "x" * 43}, {"csrf": ""}):
        before = count_events(world, action="console.csrf", actor="carol")
        response = client.post("/console/audit/verify", data=data)
        assert response.status_code == 403
        assert "security token" in response.text
        assert "Traceback" not in response.text
        assert count_events(world, action="console.csrf", actor="carol") == before + 1
    assert client.post("/console/audit/verify", data={"csrf": csrf}).status_code == 200


def test_one_session_s_csrf_token_does_not_open_another(world: World) -> None:
    _, carol_csrf = login(world, "carol")
    client, _ = login(world, "root")
    assert client.post("/console/audit/verify", data={"csrf": carol_csrf}).status_code == 403


def test_logout_needs_the_token_and_ends_the_session(world: World) -> None:
    client, csrf = login(world, "a-eng")
    assert client.post("/console/logout", data={}).status_code == 403
    assert client.get("/console/").status_code == 200
    out = client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/console/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("backend", BACKENDS)
def test_pages_are_audited_on_allow_and_deny(tmp_path: Path, backend: str) -> None:
    with copied_world(backend, tmp_path / "home") as world:
        _audited_on_allow_and_deny(world)


def _audited_on_allow_and_deny(world: World) -> None:
    client, _ = login(world, "a-eng")
    allowed = count_events(world, actor="a-eng", action="access.read", decision="allow")
    assert client.get("/console/audit?tenant=acme").status_code == 200
    assert count_events(world, actor="a-eng", action="access.read", decision="allow") == allowed + 1
    denied = count_events(world, actor="a-eng", decision="deny")
    response = client.get("/console/admin/tenants")
    assert response.status_code == 403
    assert "Not allowed" in response.text and "Traceback" not in response.text
    assert count_events(world, actor="a-eng", decision="deny") == denied + 1


def test_an_engineer_sees_only_their_tenant_s_audit_trail(world: World) -> None:
    client, _ = login(world, "a-eng")
    assert client.get("/console/audit?tenant=globex").status_code in (403, 404)
    own = client.get("/console/audit")  # by default, their tenant's trail
    assert own.status_code == 200 and 'name="tenant" value="acme"' in own.text
    page = client.get("/console/audit?tenant=acme")
    assert page.status_code == 200
    assert "globex" not in page.text


def test_bad_filters_are_a_page_not_a_crash(world: World) -> None:
    client, _ = login(world, "carol")
    for query in ("decision=maybe", "since=yesterday", "tenant=Not A Slug", "after=-1"):
        response = client.get(f"/console/audit?{query}")
        assert response.status_code == 400, query
        assert "Invalid input" in response.text
    assert client.get("/console/audit/events/99999999").status_code == 404


MALFORMED = ("x\tz", "%00", "a" * 300, "../x", "Not A Slug")  # no path value has these shapes
UNKNOWN = ("99999999999999999999999", "moon")  # well-formed for some, naming nothing here


def _filled(template: str, values: dict[str, str]) -> str:
    return "/console" + re.sub(r"{(\w+)}", lambda m: values[m.group(1)], template)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_malformed_value_in_any_console_path_names_nothing(world: World, method: str) -> None:
    """Each path value of each page, replaced by a shape no real thing has (a control
    character, an over-long or dotted segment, spaces and capitals) is a 404 page that never
    reached the chokepoint; replaced by a well-formed value that names nothing (an integer
    beyond 64 bits, a zone the lab does not know) it is refused as the chokepoint or the
    service decides, never a crash."""
    client, csrf = login(world, "carol")
    for route in console_routes(world):
        if method not in (route.methods or ()) or "{" not in route.path:
            continue
        for param in re.findall(r"{(\w+)}", route.path):
            for bad in MALFORMED + UNKNOWN:
                path = _filled(route.path, SAMPLE | {param: quote(bad, safe="")})
                before = _decisions(world, "carol")
                response = client.request(
                    method, path, data={"csrf": csrf} if method == "POST" else None
                )
                where = f"{method} {route.path} with {param}={bad!r}"
                # a well-formed value is the chokepoint's, then the service's, to refuse; an
                # empty form may be refused for itself
                expected = {404} if bad in MALFORMED else {400, 403, 404}
                assert response.status_code in expected, f"{where}: {response.status_code}"
                assert "Traceback" not in response.text
                if bad in MALFORMED:
                    assert _decisions(world, "carol") == before, f"{where} was asked about"


def test_the_console_offers_the_zones_of_the_lab(world: World) -> None:
    client, _ = login(world, "carol")
    page = client.get("/console/data?tenant=acme")
    offered = set(re.findall(r'<option[^>]*value="([a-z_-]+)"', page.text))
    assert offered >= world.lab.chokepoint.zones - {"platform"}
    assert client.get("/console/data?tenant=acme&zone=platform").status_code == 404


def test_export_reuses_the_api_export(world: World) -> None:
    client, _ = login(world, "carol")
    csv = client.get("/console/audit/export?format=csv&actor=carol")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("seq") and len(lines) > 1
    assert all(",carol," in line for line in lines[1:])
    jsonl = client.get("/console/audit/export?format=jsonl&actor=carol")
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
