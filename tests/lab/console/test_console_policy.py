"""The policy pages, in process: rules, role assignments and history as the API lists them,
and the dry-run form, whose answer is the API's dry-run answer, word for word."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.lab.console.test_console_rules import count_events, login
from tests.lab.factories import World

DRY_RUN = "/console/policy/dry-run"


@pytest.fixture
def world(sqlite_world: World) -> World:
    return sqlite_world


def _text(page: str, element_id: str) -> str:
    """The text of the element with `element_id`, tags stripped, spaces collapsed."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(dd|ul|p)>', page, re.S)
    assert found is not None, f"no #{element_id}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def _api(world: World, body: dict[str, Any]) -> dict[str, Any]:
    answer = world.post("carol", "/v1/policy/dry-run", json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_the_policy_page_lists_rules_assignments_and_history(world: World) -> None:
    client, _ = login(world, "carol")
    page = client.get("/console/policy")
    assert page.status_code == 200
    rules = world.get("carol", "/v1/policy/rules").json()
    assert page.text.count('<tr class="rule">') == len(rules)
    assert "<td>engineer</td><td>*</td><td>platform/zones</td><td>read</td>" in page.text
    assert '<tr class="assignment"><td>a-eng</td><td>engineer</td><td>acme</td></tr>' in page.text
    assert "<td>carol</td><td>compliance</td><td>* (platform)</td>" in page.text
    newest = world.get("carol", "/v1/policy/history?limit=1").json()[0]
    assert f'<tr class="change"><td>{newest["version"]}</td>' in page.text


def test_rules_filter_by_tenant_and_role(world: World) -> None:
    client, _ = login(world, "carol")
    page = client.get("/console/policy?tenant=*&role=viewer")
    roles = re.findall(r'<tr class="rule"><td>(.*?)</td><td>(.*?)</td>', page.text)
    assert roles and set(roles) == {("viewer", "*")}
    for query in ("role=no-such-role", "tenant=acme"):  # the seed's rules are all tenant *
        nothing = client.get(f"/console/policy?{query}")
        assert "No rules match." in nothing.text and '<tr class="rule">' not in nothing.text
    for query in ("tenant=Not A Slug", "before=x", "before=0", "role=" + "r" * 300):
        bad = client.get(f"/console/policy?{query}")
        assert bad.status_code == 400, query
        assert "Invalid input" in bad.text


@pytest.mark.parametrize(
    ("asked", "verdict", "rule"),
    [
        (
            {"subject": "a-eng", "action": "read", "resource": "zones", "tenant": "acme"},
            "allowed",
            "p, engineer, *, platform/zones, read, allow",
        ),
        (
            {
                "subject": "root",
                "action": "read",
                "resource": "datasets/x/rows",
                "tenant": "acme",
                "zone": "sandbox",
            },
            "denied",
            "p, admin, *, sandbox/*/rows, *, deny",
        ),
        (
            {
                "subject": "a-viewer",
                "action": "submit",
                "resource": "jobs",
                "tenant": "acme",
                "zone": "sandbox",
            },
            "denied",
            "none: no rule allows it, so it is denied",
        ),
    ],
)
def test_a_dry_run_names_the_verdict_and_deciding_rule_as_the_api_does(
    world: World, asked: dict[str, str], verdict: str, rule: str
) -> None:
    client, csrf = login(world, "carol")
    form = {f"request_{k}": v for k, v in asked.items()}
    page = client.post(DRY_RUN, data={"csrf": csrf, **form})
    assert page.status_code == 200
    api = _api(world, asked)
    assert _text(page.text, "verdict") == verdict == ("allowed" if api["allowed"] else "denied")
    assert _text(page.text, "deciding-rule") == rule
    if api["rule"]:
        assert rule == ", ".join(api["rule"])
    assert _text(page.text, "reason") == api["reason"]
    # the form comes back filled, to try a variation
    assert f'name="request_subject" value="{asked["subject"]}"' in page.text


def test_a_change_that_would_lock_everyone_out_is_reported_refused(world: World) -> None:
    client, csrf = login(world, "carol")
    change = {"op": "unassign_role", "subject": "root", "role": "admin", "tenant": "*"}
    page = client.post(
        DRY_RUN, data={"csrf": csrf, **{f"change_{k}": v for k, v in change.items()}}
    )
    assert page.status_code == 200
    assert _text(page.text, "change-verdict") == "would be refused"
    api = _api(world, {"change": {"op": change.pop("op"), "assignment": change}})
    assert api["change_accepted"] is False
    assert _text(page.text, "findings") == " ".join(" ".join(api["findings"]).split())
    assert "no active user who can change policy" in _text(page.text, "findings")
    assert 'id="verdict"' not in page.text  # no request was asked


def test_a_tried_change_judges_the_request_after_it_and_is_not_made(world: World) -> None:
    client, csrf = login(world, "carol")
    version = world.get("carol", "/v1/policy/history?limit=1").json()[0]["version"]
    data = {
        "csrf": csrf,
        "request_subject": "a-viewer",
        "request_action": "submit",
        "request_resource": "jobs",
        "request_tenant": "acme",
        "request_zone": "sandbox",
        "change_op": "add_rule",
        "change_role": "viewer",
        "change_tenant": "acme",
        "change_obj": "sandbox/jobs",
        "change_action": "submit",
    }
    page = client.post(DRY_RUN, data=data)
    assert _text(page.text, "change-verdict") == "would be made"
    assert _text(page.text, "verdict") == "allowed"
    assert _text(page.text, "deciding-rule") == "p, viewer, acme, sandbox/jobs, submit, allow"
    assert world.get("carol", "/v1/policy/history?limit=1").json()[0]["version"] == version
    rules = world.get("carol", "/v1/policy/rules?tenant=acme").json()
    assert not [r for r in rules if r["tenant"] == "acme"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({}, "fill in a request to judge, a change to try, or both"),
        ({"request_subject": "a-eng"}, "a request needs subject, resource and action"),
        ({"change_op": "add_rule", "change_role": "viewer"}, "change obj: Field required"),
        ({"change_op": "grant_all"}, "the change is add_rule"),
        (
            {"request_subject": "a" * 200, "request_action": "read", "request_resource": "x"},
            "subject: String should have at most",
        ),
    ],
)
def test_a_wrong_dry_run_form_comes_back_with_what_is_wrong(
    world: World, data: dict[str, str], says: str
) -> None:
    client, csrf = login(world, "carol")
    page = client.post(DRY_RUN, data={"csrf": csrf, **data})
    assert page.status_code == 400
    assert says in _text(page.text, "dry-run-error")
    assert 'id="dry-run-answer"' not in page.text
    assert "Traceback" not in page.text


def test_an_engineer_is_refused_the_policy_page_and_the_dry_run_audited(world: World) -> None:
    client, csrf = login(world, "a-eng")
    denied = count_events(world, actor="a-eng", decision="deny")
    page = client.get("/console/policy")
    assert page.status_code == 403 and "Not allowed" in page.text
    assert "p, admin" not in page.text and "Traceback" not in page.text
    asked = {"request_subject": "root", "request_action": "read", "request_resource": "x"}
    assert client.post(DRY_RUN, data={"csrf": csrf, **asked}).status_code == 403
    # a wrong form is refused as such too: the refusal comes before what is wrong in it
    wrong = client.post(DRY_RUN, data={"csrf": csrf, "request_subject": "root"})
    assert wrong.status_code == 403 and "a request needs" not in wrong.text
    assert count_events(world, actor="a-eng", decision="deny") == denied + 3


def test_a_dry_run_without_the_form_token_is_refused(world: World) -> None:
    client, _ = login(world, "carol")
    asked = {"request_subject": "root", "request_action": "read", "request_resource": "x"}
    page = client.post(DRY_RUN, data=asked)
    assert page.status_code == 403 and "security token" in page.text
