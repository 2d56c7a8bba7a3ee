"""The approvals queue in process: who sees what, who may decide, and the author's rule."""

from __future__ import annotations

import re

import pytest

from tests.lab.console.test_console_rules import login
from tests.lab.factories import World
from tests.lab.releases.jobs import finished_job

BASE = "/v1/tenants/acme/zones/sandbox"


@pytest.fixture
def world(sqlite_world: World) -> World:
    return sqlite_world


def requested(world: World) -> str:
    """A pending release of a finished job's aggregate, asked for by a-eng."""
    job_id = finished_job(world)
    body = {"job_id": job_id, "outputs": ["by_city"], "purpose": "report"}
    made = world.post("a-eng", f"{BASE}/releases", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_a_reviewer_sees_the_queue_the_findings_and_the_output(world: World) -> None:
    release_id = requested(world)
    client, _ = login(world, "carol")
    queue = client.get("/console/approvals")
    assert queue.status_code == 200 and release_id in queue.text
    page = client.get(f"/console/approvals/sandbox/{release_id}")
    assert page.status_code == 200
    assert "cells under 10 suppressed" in page.text  # the finding's reason
    assert "GROUP BY city" in page.text  # the code
    assert "Hangzhou" in page.text  # the output itself
    assert 'value="approve"' in page.text


def test_the_author_is_told_why_and_refused(world: World) -> None:
    release_id = requested(world)
    client, csrf = login(world, "a-eng")
    page = client.get(f"/console/approvals/sandbox/{release_id}?tenant=acme")
    assert page.status_code == 200
    assert "the author of a request can never approve" in page.text
    assert "Hangzhou" not in page.text  # the content is for reviewers
    answer = client.post(
        f"/console/approvals/sandbox/{release_id}/review",
        data={"csrf": csrf, "decision": "approve", "comment": "mine"},
    )
    assert answer.status_code in (403, 404)
    assert "Traceback" not in answer.text
    state = world.get("a-eng", f"{BASE}/releases/{release_id}").json()["state"]
    assert state == "pending"


def test_a_reviewer_approves_with_a_comment(world: World) -> None:
    release_id = requested(world)
    client, csrf = login(world, "carol")
    url = f"/console/approvals/sandbox/{release_id}/review"
    empty = client.post(url, data={"csrf": csrf, "decision": "approve", "comment": " "})
    assert empty.status_code == 400
    done = client.post(url, data={"csrf": csrf, "decision": "approve", "comment": "aggregates"})
    assert done.status_code == 200
    assert re.search(r'id="state">(released|approved)<', done.text)
    assert "only pending requests are reviewed" in done.text


def test_a_stranger_cannot_see_another_tenant_s_request(world: World) -> None:
    release_id = requested(world)
    client, _ = login(world, "g-eng")
    assert client.get(f"/console/approvals/sandbox/{release_id}").status_code in (403, 404)
    assert client.get("/console/approvals?tenant=acme").status_code in (403, 404)


def test_the_promotion_queue_is_compliance_s(world: World) -> None:
    client, _ = login(world, "carol")
    queue = client.get("/console/promotions")
    assert queue.status_code == 200 and "No promotion requests here." in queue.text
    assert client.get("/console/promotions/0000000000000000").status_code == 404
    engineer, _ = login(world, "g-eng")
    assert engineer.get("/console/promotions").status_code in (403, 404)
