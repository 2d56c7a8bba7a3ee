"""Model promotions decided in the console, in process: a real promotion request (a
registered scorecard, asked for through the API by its engineer), its gates and lineage
as compliance sees them, the author refused, and approve, reject and return through the
page, with the deployment and the audit trail checked through the API."""

from __future__ import annotations

import re

import pytest

from tests.lab.console.registry import MODEL, promotion_asked
from tests.lab.console.test_console_rules import count_events, login
from tests.lab.factories import World

DEPLOYED = "/v1/tenants/acme/zones/production/deployments"


@pytest.fixture
def world(sqlite_world: World) -> World:
    return sqlite_world


def _state(world: World, promotion_id: str) -> str:
    return str(world.get("a-eng", f"/v1/promotions/{promotion_id}").json()["state"])


def _decide(world: World, who: str, promotion_id: str, decision: str, comment: str) -> str:
    """`who` decides in the console; the page they land on."""
    client, csrf = login(world, who)
    answer = client.post(
        f"/console/promotions/{promotion_id}/review",
        data={"csrf": csrf, "decision": decision, "comment": comment},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.text)


def test_compliance_sees_the_gates_with_their_reasons_and_the_model_s_lineage(
    world: World,
) -> None:
    promotion_id = promotion_asked(world)
    client, _ = login(world, "carol")
    queue = client.get("/console/promotions")
    assert f'href="/console/promotions/{promotion_id}"' in queue.text
    page = client.get(f"/console/promotions/{promotion_id}")
    assert page.status_code == 200
    assert "auc 0.8123 meets &gt;= 0.6" in page.text  # a gate and its reason
    assert "no embedded data found" in page.text
    assert "merchants: acme/merchants v1" in page.text  # the training input
    assert "console, code sha256 0000000000000000" in page.text  # the job and its code
    assert f"/console/models/acme/sandbox/{MODEL}/versions/1/plots/roc" in page.text
    assert 'id="why-not"' not in page.text and 'value="approve"' in page.text


def test_the_requester_is_told_why_and_cannot_approve(world: World) -> None:
    promotion_id = promotion_asked(world)
    client, csrf = login(world, "a-eng")
    page = client.get(f"/console/promotions/{promotion_id}")
    assert page.status_code == 200
    assert "You asked for this promotion: the author of a request can never approve" in page.text
    denied = count_events(world, actor="a-eng", action="access.review", decision="deny")
    answer = client.post(
        f"/console/promotions/{promotion_id}/review",
        data={"csrf": csrf, "decision": "approve", "comment": "mine, looks fine"},
    )
    assert answer.status_code in (403, 404) and "Traceback" not in answer.text
    assert count_events(world, actor="a-eng", action="access.review", decision="deny") > denied
    assert _state(world, promotion_id) == "pending"
    assert world.get("a-eng", DEPLOYED).json() == []


def test_compliance_approves_and_the_model_is_deployed(world: World) -> None:
    promotion_id = promotion_asked(world)
    page = _decide(world, "carol", promotion_id, "approve", "gates and lineage checked")
    assert re.search(r'id="state">approved<', page)
    assert "carol: <strong>approve</strong>, “gates and lineage checked”" in page
    found = world.get("a-eng", f"/v1/promotions/{promotion_id}").json()
    assert found["state"] == "approved" and found["deployment_id"]
    assert f">{found['deployment_id']}</a>" in page  # linked to the deployment's page
    deployed = world.get("a-eng", DEPLOYED).json()
    assert [(d["name"], d["status"], d["request_id"]) for d in deployed] == [
        (MODEL, "active", promotion_id)
    ]
    assert count_events(world, actor="carol", action="promotion.review", outcome="ok") == 1
    assert count_events(world, actor="carol", action="model.deploy") == 1


def test_a_reject_needs_a_comment_and_a_second_request_is_returned(world: World) -> None:
    first = promotion_asked(world)
    client, csrf = login(world, "carol")
    url = f"/console/promotions/{first}/review"
    empty = client.post(url, data={"csrf": csrf, "decision": "reject", "comment": "  "})
    assert empty.status_code == 400 and "Invalid input" in empty.text
    assert _state(world, first) == "pending"
    page = _decide(world, "carol", first, "reject", "psi is measured on too few rows")
    assert re.search(r'id="state">rejected<', page)
    assert "only pending requests are reviewed" in page  # the form is gone
    assert 'value="approve"' not in page
    second = promotion_asked(world, registered=True)  # the same version, asked again
    page = _decide(world, "carol", second, "return", "name the monitoring baseline")
    assert re.search(r'id="state">returned<', page)
    assert world.get("a-eng", DEPLOYED).json() == []
    reviews = count_events(world, actor="carol", action="promotion.review", outcome="ok")
    assert reviews == 2
    assert count_events(world, action="model.deploy") == 0


def test_the_queue_s_two_lists_are_a_navigation_marking_the_one_shown(world: World) -> None:
    client, _ = login(world, "carol")
    for shown, other in (("approvals", "promotions"), ("promotions", "approvals")):
        page = client.get(f"/console/{shown}").text
        tabs = re.search(r'<nav aria-label="Approvals" class="tabs">(.*?)</nav>', page, re.S)
        assert tabs is not None, "no navigation between the two lists"
        assert f'<a href="/console/{shown}" aria-current="page">' in tabs.group(1)
        assert f'<a href="/console/{other}">' in tabs.group(1)


def test_the_author_withdraws_a_pending_request_from_its_page(world: World) -> None:
    promotion_id = promotion_asked(world)
    form = f'action="/console/promotions/{promotion_id}/withdraw"'
    carol, _ = login(world, "carol")
    assert form not in carol.get(f"/console/promotions/{promotion_id}").text  # not the author
    client, csrf = login(world, "a-eng")
    assert form in client.get(f"/console/promotions/{promotion_id}").text
    forged = client.post(f"/console/promotions/{promotion_id}/withdraw", data={"csrf": "forged"})
    assert forged.status_code == 403 and _state(world, promotion_id) == "pending"

    done = client.post(f"/console/promotions/{promotion_id}/withdraw", data={"csrf": csrf})
    assert done.status_code == 200 and done.url.path == f"/console/promotions/{promotion_id}"
    assert _state(world, promotion_id) == "withdrawn"
    assert form not in done.text  # nothing left to withdraw
    assert count_events(world, actor="a-eng", action="promotion.withdraw", outcome="ok") == 1
    bad = client.post("/console/promotions/no%20such/withdraw", data={"csrf": csrf})
    assert bad.status_code == 404
