"""Users, tokens and models end to end: a real server, headless Chromium, people clicking.

An admin issues a token and sees its secret once (not after going back, not on the user's
page); an admin and a tenant's owner open the models page, a model's detail with its plot, and
a deployed model's monitoring."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.lab.console.browser import Site, browser_missing, opened_site
from tests.lab.console.registry import MODEL, deployed_model

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
if browser_missing() is None:
    from playwright.sync_api import Error as PlaywrightError


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with opened_site(tmp_path_factory.mktemp("console"), deployed_model) as site:
        yield site


def _log_in(site: Site, who: str) -> Any:
    world, base, browser = site
    page = browser.new_context(base_url=base).new_page()
    page.set_default_timeout(10_000)
    page.goto("/console/login")
    page.get_by_label("Token").fill(world.tokens[who])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/console/")
    return page


def _settled_content(page: Any) -> str:
    """The page's HTML once a navigation under way (e.g. to an error page) has ended."""
    for _ in range(50):
        try:
            page.wait_for_load_state()
            return str(page.content())
        except PlaywrightError:  # still navigating
            page.wait_for_timeout(100)
    raise AssertionError("the page did not settle")


def test_an_admin_issues_a_token_and_sees_its_secret_once(site: Site) -> None:
    world = site[0]
    page = _log_in(site, "root")
    page.get_by_role("navigation").get_by_role("link", name="Users").click()
    page.wait_for_url("**/console/admin/users")
    page.get_by_role("link", name="a-eng", exact=True).click()
    page.wait_for_url("**/console/admin/users/a-eng")
    page.get_by_label("Token name").fill("laptop")
    page.get_by_role("button", name="Issue a token").click()
    secret = page.get_by_label("Token laptop").input_value()
    assert secret.startswith("lab_")
    assert "shown this once" in page.get_by_role("status").text_content()
    assert "?" not in page.url and secret not in page.url
    me = world.client.get("/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["name"] == "a-eng"
    page.get_by_role("link", name="All users").click()
    page.wait_for_url("**/console/admin/users?tenant=acme")
    assert secret not in page.content()
    # back in history: the answer was not stored, so there is nothing to show again
    with pytest.raises(PlaywrightError, match="ERR_CACHE_MISS"):
        page.go_back()
    assert secret not in _settled_content(page)
    page.goto("/console/admin/users/a-eng")
    assert secret not in page.content()
    assert page.locator("tr.token td", has_text="laptop").count() == 1  # issued once
    page.context.close()


def test_an_admin_opens_the_models_page(site: Site) -> None:
    page = _log_in(site, "root")
    page.get_by_role("navigation").get_by_role("link", name="Models").click()
    page.wait_for_url("**/console/models")
    acme = page.get_by_role("region", name="acme")
    assert "auc 0.8123" in acme.locator(f'tr.model[data-name="{MODEL}"]').text_content()
    assert "deployments of acme are not yours to list" in acme.text_content()  # an admin's
    assert (
        "No models registered in globex" in page.get_by_role("region", name="globex").text_content()
    )
    acme.get_by_role("link", name=MODEL).first.click()
    page.wait_for_url(f"**/console/models/acme/sandbox/{MODEL}")
    assert page.get_by_role("heading", name="Version 1").is_visible()
    assert "0.8123" in page.locator("table.metrics").text_content()
    page.context.close()


def test_an_owner_sees_the_model_s_plot(site: Site) -> None:
    page = _log_in(site, "a-owner")
    page.get_by_role("navigation").get_by_role("link", name="Models").click()
    row = page.locator(f'tr.deployment[data-name="{MODEL}"]')
    assert row.locator("td.monitoring").text_content().strip() == "ok"
    page.get_by_role("link", name=MODEL).first.click()
    page.wait_for_url(f"**/console/models/acme/sandbox/{MODEL}")
    plot = page.get_by_role("img", name=f"Plot roc of {MODEL} version 1")
    plot.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=plot.element_handle())
    page.goto(f"/console/models/acme/production/deployments/{MODEL}")
    assert page.locator("#status").text_content().strip() == "ok"
    page.context.close()
