"""Every console page checked for the basics of accessibility by axe-core in the browser.

Each page of the navigation, as each person who may open it sees it, and the pages behind
them (an audit event, a release and a promotion request, a zone's diff, a dry-run's
answer, a user with a token just issued, a model, a deployment, the login page and the
error pages) are opened in Chromium over a world with something in it, and axe-core
(tests/lab/console/vendor/axe-core, never served to users) is run on each with the A and
AA rules of WCAG 2.0 to 2.2 and its best practices. A failure lists each violation with
the selectors of the elements at fault. The pages are also opened 320 pixels wide, where
nothing but a data table may need scrolling sideways (WCAG's reflow, which axe does not
check). The keyboard is checked in test_console_keyboard.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab.console.browser import Site, browser_missing, dry_run, log_in, opened_site
from tests.lab.console.registry import MODEL, deployed_model, promotion_asked
from tests.lab.factories import World
from tests.lab.releases.jobs import finished_job

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")  # the A and AA rules
RULES = {"runOnly": {"type": "tag", "values": [*WCAG, "best-practice"]}}
PEOPLE = ("root", "carol", "a-owner", "a-eng", "a-viewer")
Made = dict[str, str]


def _furnish(world: World, made: Made) -> None:
    """A deployed model with a second promotion pending, a finished job with a pending
    release request, and two versions of the sandbox's rules."""
    deployed_model(world)
    made["promotion"] = promotion_asked(world, registered=True)
    job_id = finished_job(world)
    body = {"job_id": job_id, "outputs": ["by_city", "plot"], "purpose": "quarterly report"}
    asked = world.post("a-eng", "/v1/tenants/acme/zones/sandbox/releases", json=body)
    assert asked.status_code == 201, asked.text
    made["release"] = str(asked.json()["id"])
    rules = world.get("root", "/v1/zones/sandbox").json()["rules"]
    rules["retention"]["dataset_days"] = 30
    changed = {"rules": rules, "comment": "keep samples a month"}
    assert world.call("PUT", "root", "/v1/zones/sandbox", json=changed).status_code == 200


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Made]]:
    made: Made = {}
    with opened_site(tmp_path_factory.mktemp("console"), lambda w: _furnish(w, made)) as site:
        yield site, made


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "rules => axe.run(document, rules).then(r => r.violations)", RULES
    )
    return found


def report(where: str, found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary']}")
    return "\n".join(lines)


def check(page: Any, path: str | None = None) -> str:
    """The page at `path` (or as it is) checked; the report of its violations, or ''."""
    if path is not None:
        page.goto(path)
    page.wait_for_load_state()
    found = violations(page)
    where = page.url.split("/console", 1)[-1] or "/"
    return report(f"/console{where}", found)


def _log_in(site: Site, who: str) -> Any:
    world, base, browser = site
    return log_in(browser, base, world.tokens[who])


def _nav(page: Any) -> list[str]:
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    return [str(link.get_attribute("href")) for link in links.all()]


@pytest.mark.parametrize("who", PEOPLE)
def test_every_page_in_the_navigation(site: tuple[Site, Made], who: str) -> None:
    page = _log_in(site[0], who)
    pages = _nav(page)
    assert len(pages) >= 3, pages  # the world gives everyone some pages
    reports = [check(page, href) for href in pages]
    if who in ("carol", "a-owner"):  # the data page once a tenant is chosen
        reports.append(check(page, "/console/data?tenant=acme&zone=sandbox"))
    page.context.close()
    failed = "\n".join(r for r in reports if r)
    assert not failed, f"accessibility violations:\n{failed}"


DETAILS = (  # who opens it, and a text the page shows when it is not an empty state
    ("carol", "/console/approvals/sandbox/{release}", "Hangzhou"),  # with the output
    ("a-eng", "/console/approvals/sandbox/{release}", "can never approve"),  # the author's
    ("carol", "/console/promotions", "{promotion}"),
    ("carol", "/console/promotions/{promotion}", "metric:auc"),
    ("a-eng", "/console/promotions/{promotion}", "metric:auc"),
    ("carol", "/console/zones/sandbox", "retention.dataset_days"),  # the diff of 1 and 2
    ("carol", "/console/zones/sandbox?from=1&to=1", "compared with itself"),
    ("root", "/console/admin/users/a-eng", "Revoke"),
    ("a-owner", f"/console/models/acme/sandbox/{MODEL}", "0.8123"),
    ("a-owner", f"/console/models/acme/production/deployments/{MODEL}", "Latest runs"),
    ("root", "/console/approvals/sandbox/no-such-request", "Not found"),  # a 404 page
    ("g-eng", "/console/admin/tenants", "Not allowed"),  # a 403 page
)


@pytest.mark.parametrize(("who", "path", "shows"), DETAILS)
def test_a_page_behind_the_navigation(
    site: tuple[Site, Made], who: str, path: str, shows: str
) -> None:
    (world, base, browser), made = site
    page = log_in(browser, base, world.tokens[who])
    failed = check(page, path.format(**made))
    text = page.locator("main").inner_text()
    page.context.close()
    assert shows.format(**made) in text
    assert not failed, f"accessibility violations:\n{failed}"


def test_an_audit_event(site: tuple[Site, Made]) -> None:
    page = _log_in(site[0], "carol")
    page.goto("/console/audit")
    page.locator("tr.event a").first.click()
    page.wait_for_url("**/console/audit/events/**")
    failed = check(page)
    page.context.close()
    assert not failed, f"accessibility violations:\n{failed}"


def test_the_audit_trail_filtered_and_verified(site: tuple[Site, Made]) -> None:
    page = _log_in(site[0], "carol")
    page.goto("/console/audit?decision=deny")
    page.get_by_role("button", name="Verify now").click()
    page.wait_for_url("**/console/audit/verify")
    failed = check(page)
    page.context.close()
    assert not failed, f"accessibility violations:\n{failed}"


def test_a_dry_run_s_answer(site: tuple[Site, Made]) -> None:
    page = _log_in(site[0], "root")
    page.goto("/console/policy")
    dry_run(
        page,
        subject="a-eng",
        action="read",
        resource="datasets/merchants",
        tenant="acme",
        zone="sandbox",
    )
    assert page.locator("#verdict").is_visible()
    failed = check(page)
    page.context.close()
    assert not failed, f"accessibility violations:\n{failed}"


def test_a_token_just_issued(site: tuple[Site, Made]) -> None:
    page = _log_in(site[0], "root")
    page.goto("/console/admin/users/a-viewer")
    page.get_by_label("Token name").fill("laptop")
    page.get_by_role("button", name="Issue a token").click()
    assert page.get_by_label("Token laptop").input_value().startswith("lab_")
    failed = check(page)
    page.context.close()
    assert not failed, f"accessibility violations:\n{failed}"


def test_the_login_page_and_its_refusal(site: tuple[Site, Made]) -> None:
    _, base, browser = site[0]
    page = browser.new_context(base_url=base).new_page()
    failed = check(page, "/console/login")
    page.get_by_label("Token").fill("lab_0000000000000000_nope")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").is_visible()
    failed += check(page)
    page.context.close()
    assert not failed, f"accessibility violations:\n{failed}"


# What sticks out of a window `w` wide: an element reaching past its right edge, or whose
# text overflows it. Data tables may scroll sideways (WCAG 1.4.10 exempts them).
TOO_WIDE = """w => [...document.querySelectorAll('body *')]
  .filter(e => !e.closest('table, .skip') && !e.querySelector('table'))
  .filter(e => e.getBoundingClientRect().right > w + 1
               || (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
                   && getComputedStyle(e).overflowX === 'visible'))
  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
            + (e.className ? '.' + e.className : '')
            + ' "' + e.textContent.trim().slice(0, 40) + '"')"""
NARROW = 320  # CSS pixels: a laptop's window at 400% zoom (WCAG 1.4.10, reflow)
REFLOW = (
    *(("carol", p) for p in ("/console/", "/console/audit", "/console/approvals")),
    ("carol", "/console/data?tenant=acme&zone=sandbox"),
    ("root", "/console/policy"),
    ("root", "/console/admin/users"),
    ("root", "/console/admin/tenants"),
    ("a-owner", "/console/models"),
    *((who, path) for who, path, _ in DETAILS),
)


def test_pages_reflow_to_a_narrow_window(site: tuple[Site, Made]) -> None:
    """At 320 pixels wide nothing but a data table needs scrolling sideways."""
    (world, base, browser), made = site
    wide: list[str] = []
    for who in dict.fromkeys(who for who, _ in REFLOW):
        page = log_in(browser, base, world.tokens[who])
        page.set_viewport_size({"width": NARROW, "height": 720})
        for path in (p.format(**made) for w, p in REFLOW if w == who):
            page.goto(path)
            wide += [f"{path}: {e}" for e in page.evaluate(TOO_WIDE, NARROW)]
        page.context.close()
    assert not wide, f"wider than {NARROW} pixels:\n" + "\n".join(wide)


def test_the_checker_finds_what_it_should(site: tuple[Site, Made]) -> None:
    """axe runs and reports: a page spoilt on purpose fails, so a clean run means clean."""
    page = _log_in(site[0], "carol")
    page.goto("/console/audit")
    page.evaluate(
        """() => {
        document.querySelector('label[for=f-actor]').remove();
        document.querySelector('h1').style.color = '#bbbbbb';
        }"""
    )
    found = {v["id"]: v for v in violations(page)}
    page.context.close()
    assert {"label", "color-contrast"} <= set(found), report("spoilt", list(found.values()))
    assert found["label"]["nodes"][0]["target"] == ["#f-actor"]
