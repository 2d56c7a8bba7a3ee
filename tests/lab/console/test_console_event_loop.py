"""The console does no metastore work on the event loop: its session key is loaded when the
app is made, and its async handlers (error pages, the CSRF check) only read it.

A listener on every engine notes each statement run while an event loop runs in the
statement's thread; sync pages run in worker threads, where none runs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from lab.api.app import create_app
from lab.console import sessions
from lab.keys.keyring import StoredKey
from tests.lab.console.test_console_rules import CSRF
from tests.lab.factories import World


@pytest.fixture
def world(sqlite_world: World) -> World:
    return sqlite_world


@pytest.fixture
def on_the_loop() -> Iterator[list[str]]:
    """The statements run on an event loop's thread while the test runs."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a worker thread: fine
            return
        seen.append(statement)

    sa.event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(Engine, "before_cursor_execute", note)


def test_the_session_key_is_in_the_keyring_once_the_app_is_made(world: World) -> None:
    with world.lab.read() as session:
        stored = session.get(StoredKey, sessions.KEY_NAME)
    assert stored is not None and stored.kind == "console"


def _logged_in(world: World, who: str) -> tuple[TestClient, str]:
    """A client of a new app over the world's lab, logged in as `who`, and its cookie."""
    client = TestClient(create_app(world.lab), raise_server_exceptions=False)
    page = client.get("/console/login")
    csrf = CSRF.search(page.text)
    assert csrf is not None
    done = client.post(
        "/console/login",
        data={"token": world.tokens[who], "csrf": csrf.group(1)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    return client, str(client.cookies[sessions.COOKIE])


def test_two_apps_over_one_lab_open_each_other_s_sessions(world: World) -> None:
    """As two `lab serve` processes do: the key is the one stored, not one per app."""
    _, cookie = _logged_in(world, "carol")
    second = TestClient(create_app(world.lab), raise_server_exceptions=False)
    second.cookies.set(sessions.COOKIE, cookie, path="/console")
    assert "Welcome, carol" in second.get("/console/").text


def test_a_fresh_app_s_first_pages_do_no_metastore_work_on_the_event_loop(
    world: World, on_the_loop: list[str]
) -> None:
    """A new app's first request is an error page for someone with a session (rendered by
    an async handler, which opens the session cookie), then more error pages and pages:
    none runs a statement on the event loop."""
    _, cookie = _logged_in(world, "a-eng")
    client = TestClient(create_app(world.lab), raise_server_exceptions=False)
    client.cookies.set(sessions.COOKIE, cookie, path="/console")
    refused = client.post("/console/login", data={"token": "x"})  # no login form token
    assert refused.status_code == 403 and "Signed in as" not in refused.text
    assert client.post("/console/audit/verify", data={"csrf": "wrong"}).status_code == 403
    assert client.get("/console/promotions/0000000000000000").status_code == 404
    assert client.get("/console/audit?decision=maybe").status_code == 400
    assert client.get("/console/admin/tenants").status_code == 403
    assert client.get("/console/").status_code == 200
    client.cookies.set(sessions.COOKIE, "gAAAAABforged", path="/console")
    assert client.get("/console/audit", follow_redirects=False).status_code == 303
    assert on_the_loop == []
