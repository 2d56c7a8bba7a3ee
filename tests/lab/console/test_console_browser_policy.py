"""The zones and policy pages end to end: a real server, headless Chromium, people using
the keyboard and the mouse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.lab.console.browser import Site, browser_missing, dry_run, log_in, opened_site
from tests.lab.factories import World

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


def _second_rules_version(world: World) -> None:
    rules = world.get("root", "/v1/zones/sandbox").json()["rules"]
    rules["retention"]["dataset_days"] = 30
    body = {"rules": rules, "comment": "keep samples a month"}
    assert world.call("PUT", "root", "/v1/zones/sandbox", json=body).status_code == 200


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One world with two versions of the sandbox's rules, one server, one browser."""
    with opened_site(tmp_path_factory.mktemp("console"), _second_rules_version) as site:
        yield site


def _log_in(site: Site, who: str) -> Any:
    world, base, browser = site
    return log_in(browser, base, world.tokens[who])


def test_view_a_zone_s_diff_between_two_versions(site: Site) -> None:
    page = _log_in(site, "carol")
    page.get_by_role("navigation").get_by_role("link", name="Zones").click()
    page.get_by_role("link", name="sandbox", exact=True).click()
    page.wait_for_url("**/console/zones/sandbox")
    row = page.locator("#diff tr[data-rule='retention.dataset_days']")
    assert row.locator("td.kind").text_content() == "changed"
    assert (row.locator("td.old").text_content(), row.locator("td.new").text_content()) == (
        "90",
        "30",
    )
    # choose the versions the other way round, by keyboard
    page.get_by_label("From version").select_option("2")
    page.get_by_label("To version").select_option("1")
    page.get_by_role("button", name="Compare").press("Enter")
    page.wait_for_url("**/console/zones/sandbox?from=2&to=1")
    row = page.locator("#diff tr[data-rule='retention.dataset_days']")
    assert (row.locator("td.old").text_content(), row.locator("td.new").text_content()) == (
        "30",
        "90",
    )
    assert page.locator("#diff tbody tr").count() == 1  # the one rule that changed
    page.context.close()


def test_run_a_policy_dry_run_and_see_the_deciding_rule(site: Site) -> None:
    page = _log_in(site, "carol")
    page.get_by_role("navigation").get_by_role("link", name="Policy").click()
    dry_run(page, subject="a-eng", action="submit", resource="jobs", tenant="acme", zone="sandbox")
    assert page.locator("#verdict").text_content() == "allowed"
    assert (
        page.locator("#deciding-rule").text_content() == "p, engineer, *, sandbox/*, submit, allow"
    )
    # the same question after withdrawing a-eng's role: denied, and no rule decided
    page.get_by_label("Change", exact=True).select_option("unassign_role")
    page.get_by_label("Role", exact=True).fill("engineer")
    page.get_by_label("Tenant of the rule or role").fill("acme")
    page.get_by_label("Subject (roles)").fill("a-eng")
    page.get_by_role("button", name="Run dry-run").click()
    page.wait_for_load_state()
    assert page.locator("#change-verdict").text_content().strip() == "would be made"
    assert page.locator("#verdict").text_content() == "denied"
    assert "no rule allows" in page.locator("#deciding-rule").text_content()
    page.context.close()


def test_an_engineer_sees_no_admin_links_and_is_refused_the_policy_page(site: Site) -> None:
    page = _log_in(site, "a-eng")
    nav = page.get_by_role("navigation")
    assert nav.get_by_role("link", name="Zones").is_visible()
    for admin in ("Policy", "Tenants", "Approvals"):
        assert nav.get_by_role("link", name=admin).count() == 0
    response = page.goto("/console/policy")
    assert response.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert "Traceback" not in page.content() and "p, admin" not in page.content()
    page.context.close()
