"""The console end to end: a real server, headless Chromium, people clicking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

from lab.auditing import Actor
from lab.datasets.service import write_dataset
from tests.lab.console.browser import Site, browser_missing, decide, opened_site
from tests.lab.factories import World
from tests.lab.releases.jobs import finished_job

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with opened_site(tmp_path_factory.mktemp("console")) as site:
        yield site


def _log_in(site: Site, who: str) -> Any:
    world, base, browser = site
    page = browser.new_context(base_url=base).new_page()
    page.set_default_timeout(10_000)
    page.goto("/console/")
    assert page.url.endswith("/console/login")  # not logged in: sent to the login page
    page.get_by_label("Token").fill(world.tokens[who])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/console/")
    return page


def test_log_in_and_log_out(site: Site) -> None:
    page = _log_in(site, "a-owner")
    assert "Signed in as" in page.text_content("header")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/console/login")
    page.goto("/console/audit?tenant=acme")
    assert page.url.endswith("/console/login")
    page.context.close()


def test_a_wrong_token_is_not_accepted(site: Site) -> None:
    _, base, browser = site
    page = browser.new_context(base_url=base).new_page()
    page.goto("/console/login")
    page.get_by_label("Token").fill("lab_0000000000000000_nope")
    page.get_by_role("button", name="Log in").click()
    assert "not accepted" in page.get_by_role("alert").text_content()
    page.context.close()


def test_filter_the_audit_trail(site: Site) -> None:
    page = _log_in(site, "carol")
    page.get_by_role("navigation").get_by_role("link", name="Audit trail").click()
    page.get_by_label("Actor").fill("carol")
    page.get_by_label("Decision").select_option("allow")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**actor=carol**")
    actors = page.locator("tr.event td.actor").all_text_contents()
    decisions = page.locator("tr.event td.decision").all_text_contents()
    assert actors and set(actors) == {"carol"}
    assert set(decisions) == {"allow"}
    page.locator("tr.event a").first.click()
    assert "carol" in page.locator("dl.detail").text_content()
    page.context.close()


def test_verify_the_chain(site: Site) -> None:
    page = _log_in(site, "carol")
    page.goto("/console/audit")
    page.get_by_role("button", name="Verify now").click()
    assert "Chain intact" in page.locator("#verify-result").text_content()
    page.context.close()


def test_an_engineer_is_refused_an_admin_page(site: Site) -> None:
    page = _log_in(site, "g-eng")
    response = page.goto("/console/admin/tenants")
    assert response.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert "Traceback" not in page.content()
    page.context.close()
    admin = _log_in(site, "root")
    admin.goto("/console/admin/tenants")
    assert admin.get_by_role("cell", name="globex", exact=True).is_visible()
    admin.context.close()


def test_a_form_without_its_csrf_token_is_refused(site: Site) -> None:
    page = _log_in(site, "root")
    page.goto("/console/audit")
    page.evaluate(
        'document.querySelectorAll(\'form[action="/console/audit/verify"] '
        "input[name=csrf]').forEach(e => e.remove())"
    )
    with page.expect_response("**/console/audit/verify") as answer:
        page.get_by_role("button", name="Verify now").click()
    assert answer.value.status == 403
    assert page.get_by_role("heading", name="Form refused").is_visible()
    page.context.close()


def _requested(world: World) -> str:
    job_id = finished_job(world)
    body = {"job_id": job_id, "outputs": ["by_city"], "purpose": "report"}
    made = world.post("a-eng", "/v1/tenants/acme/zones/sandbox/releases", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_approve_and_reject_as_the_right_and_the_wrong_person(
    site: Site,
) -> None:
    world = site[0]
    approved, rejected = _requested(world), _requested(world)
    author = _log_in(site, "a-eng")
    author.goto(f"/console/approvals/sandbox/{approved}")
    assert "can never approve" in author.locator("#why-not").text_content()
    assert decide(author, "Approve", "my own").status in (403, 404)
    author.context.close()

    reviewer = _log_in(site, "carol")
    reviewer.goto("/console/approvals")
    reviewer.get_by_role("link", name=approved).click()
    assert reviewer.get_by_role("cell", name="Hangzhou").is_visible()  # the output itself
    assert decide(reviewer, "Approve", "aggregates only").status == 303
    assert reviewer.locator("#state").text_content() in ("approved", "released")
    reviewer.goto(f"/console/approvals/sandbox/{rejected}")
    assert decide(reviewer, "Reject", "not needed").status == 303
    assert reviewer.locator("#state").text_content() == "rejected"
    reviewer.context.close()


def test_place_and_lift_a_hold(site: Site) -> None:
    world = site[0]
    table = pa.table({"city": ["Hangzhou"], "n": [40]})
    write_dataset(
        world.lab,
        Actor("a-eng"),
        tenant="globex",
        zone="sandbox",
        name="holdings",
        batches=table.to_batches(),
        schema=table.schema,
    )
    page = _log_in(site, "carol")
    page.goto("/console/data?tenant=globex&zone=sandbox")
    row = page.locator("tr.version[data-name=holdings]")
    assert row.locator("td.held").text_content() == "no"
    row.get_by_label("Reason for holdings v1").fill("case 42")
    row.get_by_role("button", name="Place hold").click()
    page.wait_for_load_state()
    row = page.locator("tr.version[data-name=holdings]")
    assert row.locator("td.held").text_content() == "held"
    row.get_by_label("Reason for holdings v1").fill("case 42 closed")
    row.get_by_role("button", name="Lift hold").click()
    page.wait_for_load_state()
    assert page.locator("tr.version[data-name=holdings] td.held").text_content() == "no"
    page.context.close()
