"""Model promotions end to end: a real server, headless Chromium, people clicking.

A scorecard is registered and its promotion asked for through the API by a-eng, as a
trained model's would be; nobody approves it through the API. Compliance finds it in the
approvals queue, reads its gates with their reasons and the model's lineage, and approves
it; the requester, on the same page, is told why they cannot and is refused. Another is
rejected with a comment and a third returned. The deployment and the audit trail are read
back through the API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.lab.console.browser import Site, browser_missing, decide, log_in, opened_site
from tests.lab.console.registry import MODEL, promotion_asked, registered_model
from tests.lab.console.test_console_rules import count_events
from tests.lab.factories import World
from tests.lab.retention.helpers import write_sample

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
DEPLOYED = "/v1/tenants/acme/zones/production/deployments"


def _registered(world: World) -> None:
    registered_model(world)
    write_sample(world.lab, zone="production", rows=800)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """acme's `card` v1 registered and acme's production merchants written; each test asks
    for its own promotion of it."""
    with opened_site(tmp_path_factory.mktemp("console"), _registered) as site:
        yield site


def _page(site: Site, who: str) -> Any:
    world, base, browser = site
    return log_in(browser, base, world.tokens[who])


def test_compliance_approves_a_promotion_its_requester_cannot(
    site: Site,
) -> None:
    world = site[0]
    promotion_id = promotion_asked(world, registered=True)

    author = _page(site, "a-eng")
    author.goto(f"/console/promotions/{promotion_id}")
    why = author.locator("#why-not").text_content()
    assert "You asked for this promotion" in why and "can never approve" in why
    assert decide(author, "Approve", "my own model").status in (403, 404)
    assert author.get_by_role("heading", name="Not allowed").is_visible()
    author.context.close()
    assert world.get("a-eng", f"/v1/promotions/{promotion_id}").json()["state"] == "pending"

    officer = _page(site, "carol")
    officer.get_by_role("navigation").get_by_role("link", name="Approvals").click()
    officer.get_by_role("link", name="Model promotions").click()
    officer.get_by_role("link", name=promotion_id).click()
    officer.wait_for_url(f"**/console/promotions/{promotion_id}")
    gates = officer.locator("tr.gate")
    assert gates.count() == 5
    assert "auc 0.8123 meets >= 0.6" in gates.first.text_content()
    assert set(officer.locator("tr.gate td.passed").all_text_contents()) == {"yes"}
    lineage = officer.locator("section.version dl.detail").text_content()
    assert "merchants: acme/merchants v1" in lineage and "console, code sha256" in lineage
    assert officer.get_by_role("img", name=f"Plot roc of {MODEL} version 1").is_visible()
    assert officer.locator("#why-not").count() == 0
    assert decide(officer, "Approve", "gates, lineage and plot checked").status == 303
    assert officer.locator("#state").text_content() == "approved"
    deployment_id = officer.locator("#deployment a").text_content()
    officer.locator("#deployment a").click()
    officer.wait_for_url(f"**/console/models/acme/production/deployments/{MODEL}")
    officer.context.close()

    deployed = world.get("a-eng", DEPLOYED).json()
    active = [d for d in deployed if d["status"] == "active"]
    assert [(d["id"], d["request_id"]) for d in active] == [(deployment_id, promotion_id)]
    assert count_events(world, actor="a-eng", action="access.review", decision="deny") >= 1
    assert count_events(world, actor="carol", action="promotion.review", outcome="ok") >= 1
    assert count_events(world, actor="carol", action="model.deploy") == 1


def test_compliance_rejects_one_promotion_and_returns_another(
    site: Site,
) -> None:
    world = site[0]
    page = _page(site, "carol")
    rejected = promotion_asked(world, registered=True)
    page.goto(f"/console/promotions/{rejected}")
    assert decide(page, "Reject", "psi measured on too few rows").status == 303
    assert page.locator("#state").text_content() == "rejected"
    assert (
        "psi measured on too few rows" in page.get_by_role("region", name="Reviews").text_content()
    )
    assert "only pending requests are reviewed" in page.locator("#why-not").text_content()
    assert page.get_by_role("button", name="Approve").count() == 0

    returned = promotion_asked(world, registered=True)
    page.goto("/console/promotions")
    page.get_by_role("link", name=returned).click()
    assert decide(page, "Return", "name the monitoring baseline").status == 303
    assert page.locator("#state").text_content() == "returned"
    page.context.close()
    for promotion_id, state in ((rejected, "rejected"), (returned, "returned")):
        found = world.get("a-eng", f"/v1/promotions/{promotion_id}").json()
        assert (found["state"], found["deployment_id"]) == (state, None)
