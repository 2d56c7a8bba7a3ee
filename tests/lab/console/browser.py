"""A real server and a real browser for the console's end-to-end tests.

The lab is served by uvicorn on a free port, in a thread of the test process, over a
standard world on SQLite; the browser is Debian's Chromium (`scripts/setup.sh` installs
it), driven headless by Playwright through `executable_path`: nothing is downloaded.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from lab.api.app import create_app
from tests.lab.factories import World, standard_world

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (scripts/setup.sh installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(world: World) -> Iterator[str]:
    """The lab's app served over HTTP for the duration; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(world.lab), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    why = browser_missing()
    if why:
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            browser.close()


Site = tuple[World, str, Any]
"""A console test module's world, the base URL it is served at, and the browser."""


@contextmanager
def opened_site(folder: Path, prepare: Callable[[World], None] | None = None) -> Iterator[Site]:
    """A standard world in `folder` (with `prepare` run on it), served, and a browser: one
    per test module. The tests use fresh pages (browser contexts) and distinct people, so
    they do not see each other's sessions."""
    world = standard_world(folder / "home")
    try:
        if prepare is not None:
            prepare(world)
        with served(world) as base, chromium() as browser:
            yield world, base, browser
    finally:
        world.close()


def log_in(browser: Any, base: str, token: str) -> Any:
    """A fresh page (its own browser context) logged in to the console with `token`, on
    the start page."""
    page = browser.new_context(base_url=base).new_page()
    page.set_default_timeout(10_000)
    page.goto("/console/login")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/console/")
    return page


def decide(page: Any, decision: str, comment: str) -> Any:
    """On a review page: fill the comment, press the decision's button; the answer to the
    post."""
    page.get_by_label("Comment (what you checked)").fill(comment)
    with page.expect_response("**/review") as answer:
        page.get_by_role("button", name=decision).click()
    page.wait_for_load_state()
    return answer.value


def dry_run(page: Any, *, subject: str, action: str, resource: str, tenant: str, zone: str) -> None:
    """On the policy page: ask the dry-run form, and wait for its answer."""
    page.get_by_label("Subject (user)").fill(subject)
    page.get_by_label("Action", exact=True).fill(action)
    page.get_by_label("Resource").fill(resource)
    page.get_by_label("Tenant", exact=True).fill(tenant)
    page.get_by_label("Zone").fill(zone)
    page.get_by_role("button", name="Run dry-run").click()
    page.wait_for_url("**/console/policy/dry-run")
