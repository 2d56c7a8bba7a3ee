"""The airlock end to end through the API, on SQLite and PostgreSQL: request, review,
release, fetch; who may do which; and the audit trail of each step."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pyarrow.csv as pa_csv
import pytest
import sqlalchemy as sa

from audit.schema import events_table
from lab.authz import admin as policy_admin
from lab.releases.models import ReleaseRequest
from tests.lab.factories import World
from tests.lab.releases.jobs import (
    BY_CITY,
    events,
    finished_job,
    png_bytes,
    release_via_review,
)

ACME = "/v1/tenants/acme/zones/sandbox"
QUEUE = "/v1/zones/sandbox/releases"


def expected_csv() -> bytes:
    buffer = io.BytesIO()
    pa_csv.write_csv(BY_CITY, buffer)
    return buffer.getvalue()


def ask(world: World, who: str, job_id: str, *outputs: str, base: str = ACME, **body: str) -> Any:
    payload = {"job_id": job_id, "outputs": list(outputs), "purpose": "board report", **body}
    return world.post(who, f"{base}/releases", json=payload)


def decide(world: World, who: str, release_id: str, decision: str, comment: str = "checked") -> Any:
    body = {"decision": decision, "comment": comment}
    return world.post(who, f"{QUEUE}/{release_id}/review", json=body)


@pytest.fixture
def checker(world: World) -> str:
    world.user("otto", roles=["output_checker"])
    return "otto"


def test_one_approval_releases_a_table_in_the_sandbox_byte_for_byte(world: World) -> None:
    job = finished_job(world)
    fetch = f"{ACME}/jobs/{job}/outputs/by_city"
    before = world.get("a-eng", fetch)
    assert before.status_code == 409
    assert "release request" in before.json()["error"]["message"]

    made = ask(world, "a-eng", job, "by_city")
    assert made.status_code == 201, made.text
    request = made.json()
    assert request["state"] == "pending" and request["required_approvals"] == 1
    pending = world.get("a-eng", fetch)
    assert pending.status_code == 409 and request["id"] in pending.json()["error"]["message"]

    decided = decide(world, "carol", request["id"], "approve", "counts are suppressed")
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "released"

    csv = world.get("a-eng", fetch + "?format=csv")
    assert csv.status_code == 200
    assert csv.content == expected_csv()
    assert csv.headers["content-type"].startswith("text/csv")
    digest = hashlib.sha256(expected_csv()).hexdigest()
    assert csv.headers["x-content-sha256"] == digest
    rows = world.get("a-eng", fetch).json()
    assert rows["rows"] == BY_CITY.to_pylist()

    published = events(world, "release.publish")
    assert published[-1]["details"]["files"]["by_city"]["sha256"] == digest
    assert published[-1]["details"]["approvers"] == ["carol"]
    fetched = events(world, "release.fetch", actor="a-eng")
    assert len(fetched) == 2 and {e["details"]["sha256"] for e in fetched} == {digest}
    steps = [e["action"] for e in events(world, "release.request")]
    assert steps == ["release.request"]
    assert events(world, "release.review")[-1]["details"]["decision"] == "approve"


def test_a_released_png_is_served_as_an_image_byte_for_byte(world: World, checker: str) -> None:
    job = finished_job(world)
    request = ask(world, "a-eng", job, "plot").json()
    assert world.get("a-eng", f"{ACME}/jobs/{job}/outputs/plot").status_code == 409
    assert decide(world, checker, request["id"], "approve").json()["state"] == "released"
    got = world.get("a-eng", f"{ACME}/jobs/{job}/outputs/plot")
    assert got.status_code == 200
    assert got.headers["content-type"] == "image/png"
    assert got.content == png_bytes()
    digest = hashlib.sha256(png_bytes()).hexdigest()
    assert events(world, "release.publish")[-1]["details"]["files"]["plot"]["sha256"] == digest
    assert events(world, "release.fetch")[-1]["details"]["sha256"] == digest


def test_the_author_never_reviews_their_own_request_even_as_compliance(world: World) -> None:
    world.user("dana", tenant="acme", roles=["engineer"])
    with world.lab.transaction() as session:
        policy_admin.assign_role(
            session, "system:test", policy_admin.RoleAssignment("dana", "compliance", "*")
        )
    world.lab.policy.refresh(force=True)
    job = finished_job(world, submitter="dana")
    request = ask(world, "dana", job, "by_city").json()

    own = decide(world, "dana", request["id"], "approve")
    assert own.status_code == 403
    assert "author" in own.json()["error"]["message"]
    engineer = decide(world, "a-eng", request["id"], "approve")
    assert engineer.status_code == 403  # not a reviewer at all
    shown = world.get("dana", f"{ACME}/releases/{request['id']}").json()
    assert shown["state"] == "pending" and shown["reviews"] == []
    refused = events(world, "release.review", actor="dana")
    assert refused[-1]["outcome"] == "refused"
    assert world.get("dana", f"{ACME}/jobs/{job}/outputs/by_city").status_code == 409


def test_production_needs_two_distinct_approvals(world: World, checker: str) -> None:
    job = finished_job(world, zone="production", submitter="a-owner")
    base = "/v1/tenants/acme/zones/production"
    assert ask(world, "a-eng", job, "by_city", base=base).status_code == 403
    request = ask(world, "a-owner", job, "by_city", base=base).json()
    assert request["required_approvals"] == 2
    review = f"/v1/zones/production/releases/{request['id']}/review"
    first = world.post("carol", review, json={"decision": "approve", "comment": "ok"})
    assert first.json()["state"] == "pending" and first.json()["approvals"] == 1
    again = world.post("carol", review, json={"decision": "approve", "comment": "ok again"})
    assert again.status_code == 403 and "already" in again.json()["error"]["message"]
    fetch = f"{base}/jobs/{job}/outputs/by_city?format=csv"
    assert world.get("a-owner", fetch).status_code == 409
    second = world.post(checker, review, json={"decision": "approve", "comment": "agreed"})
    assert second.json()["state"] == "released" and second.json()["approvals"] == 2
    assert world.get("a-owner", fetch).content == expected_csv()
    assert events(world, "release.publish")[-1]["details"]["approvers"] == ["carol", "otto"]


def test_reject_return_resubmit_and_withdraw(world: World) -> None:
    job = finished_job(world)
    first = ask(world, "a-eng", job, "by_city").json()
    no_comment = decide(world, "carol", first["id"], "reject", "  ")
    assert no_comment.status_code == 400 and "comment" in no_comment.json()["error"]["message"]
    assert decide(world, "carol", first["id"], "reject", "too fine").json()["state"] == "rejected"
    assert decide(world, "carol", first["id"], "approve").status_code == 409
    assert world.get("a-eng", f"{ACME}/jobs/{job}/outputs/by_city").status_code == 409

    second = ask(world, "a-eng", job, "by_city").json()
    assert ask(world, "a-eng", job, "by_city").status_code == 409  # held by `second`
    returned = decide(world, "carol", second["id"], "return", "coarser bands please")
    assert returned.json()["state"] == "returned"
    third = ask(world, "a-eng", job, "by_city", resubmits=second["id"])
    assert third.status_code == 201 and third.json()["resubmits"] == second["id"]
    twice = ask(world, "a-eng", job, "plot", resubmits=second["id"])
    assert twice.status_code == 409

    withdraw = f"{ACME}/releases/{third.json()['id']}/withdraw"
    assert world.post("a-owner", withdraw).status_code == 403  # only the author
    assert world.post("a-eng", withdraw).json()["state"] == "withdrawn"
    assert world.post("a-eng", withdraw).status_code == 409
    states = {r["id"]: r["state"] for r in world.get("a-eng", f"{ACME}/releases").json()}
    assert states == {
        first["id"]: "rejected",
        second["id"]: "returned",
        third.json()["id"]: "withdrawn",
    }
    withdrawals = events(world, "release.withdraw")
    assert [(e["actor"], e["outcome"]) for e in withdrawals] == [
        ("a-owner", "refused"),  # a refusal is audited too
        ("a-eng", "ok"),
        ("a-eng", "refused"),
    ]


@pytest.mark.parametrize(
    ("outputs", "purpose", "status", "says"),
    [
        (["people"], "report", 400, "row-level output and the sandbox lets no row-level data"),
        (["nothing"], "report", 404, "no output 'nothing'"),
        (["by_city"], "   ", 400, "purpose"),
    ],
)
def test_what_cannot_be_requested(
    world: World, outputs: list[str], purpose: str, status: int, says: str
) -> None:
    job = finished_job(world)
    body = {"job_id": job, "outputs": outputs, "purpose": purpose}
    response = world.post("a-eng", f"{ACME}/releases", json=body)
    assert response.status_code == status
    assert says in response.json()["error"]["message"]


def test_a_running_job_and_a_kept_output_cannot_leave(world: World) -> None:
    running = finished_job(world, state="running")
    assert ask(world, "a-eng", running, "by_city").status_code == 409
    job = finished_job(world)
    kept = world.get("a-eng", f"{ACME}/jobs/{job}/outputs/people")
    assert kept.status_code == 409 and "can never be fetched" in kept.json()["error"]["message"]


def test_reviewers_see_content_findings_and_code_and_the_queue(world: World, checker: str) -> None:
    job = finished_job(world)
    other = finished_job(world, tenant="globex", submitter="g-eng")
    mine = ask(world, "a-eng", job, "by_city", "plot").json()
    ask(world, "g-eng", other, "by_city", base="/v1/tenants/globex/zones/sandbox")
    queue = world.get(checker, QUEUE + "?state=pending").json()
    assert {r["tenant"] for r in queue} == {"acme", "globex"}
    assert world.get("a-eng", QUEUE).status_code == 403

    view = world.get(checker, f"{ACME}/releases/{mine['id']}").json()
    assert view["job"]["code"] == {
        "query": "SELECT city, count(*) AS n FROM merchants GROUP BY city"
    }
    assert view["job"]["inputs"]["merchants"]["dataset"] == "merchants"
    assert view["findings"]["by_city"]["lineage"] == "aggregate"
    assert view["findings"]["plot"]["findings"][0]["rule"] == "file_type"
    content = world.get(checker, f"{ACME}/releases/{mine['id']}/content").json()
    by_name = {c["output"]: c for c in content}
    assert by_name["by_city"]["rows"] == BY_CITY.to_pylist()
    assert by_name["plot"]["rows"] is None
    assert by_name["plot"]["sha256"] == hashlib.sha256(png_bytes()).hexdigest()
    assert world.get("a-eng", f"{ACME}/releases/{mine['id']}/content").status_code == 403


def test_another_tenant_neither_sees_nor_fetches(world: World) -> None:
    job = finished_job(world)
    request = release_via_review(world, ACME, job, ["by_city"])
    assert world.get("a-eng", f"{ACME}/jobs/{job}/outputs/by_city").status_code == 200
    globex = "/v1/tenants/globex/zones/sandbox"
    for url in (
        f"{ACME}/releases/{request['id']}",
        f"{ACME}/releases",
        f"{ACME}/jobs/{job}/outputs/by_city",
        f"{globex}/releases/{request['id']}",
        f"{globex}/jobs/{job}/outputs/by_city",
    ):
        response = world.get("g-eng", url)
        assert response.status_code == 404, url
    assert world.get("g-eng", f"{globex}/releases").json() == []
    assert world.post("g-eng", f"{ACME}/releases/{request['id']}/withdraw").status_code == 404


def test_a_user_with_no_role_is_denied_and_the_denial_audited(world: World) -> None:
    world.user("nobody")
    job = finished_job(world)
    before = len(events(world, "access.release", actor="nobody", decision="deny"))
    response = ask(world, "nobody", job, "by_city")
    assert response.status_code in (403, 404)
    denied = events(world, "access.release", actor="nobody", decision="deny")
    assert len(denied) == before + 1
    assert world.get("nobody", f"{ACME}/jobs/{job}/outputs/by_city").status_code in (403, 404)
    assert events(world, "access.read", actor="nobody", decision="deny")


def test_an_approved_request_whose_publication_stopped_is_published_again(world: World) -> None:
    job = finished_job(world)
    request = ask(world, "a-eng", job, "by_city").json()
    with world.lab.transaction() as session:  # the lab stopped between approval and publish
        row = session.get(ReleaseRequest, request["id"])
        assert row is not None
        row.state = "approved"
    fetch = f"{ACME}/jobs/{job}/outputs/by_city?format=csv"
    waiting = world.get("a-eng", fetch)
    assert waiting.status_code == 409 and "approved" in waiting.json()["error"]["message"]
    publish = f"{QUEUE}/{request['id']}/publish"
    assert world.post("a-eng", publish).status_code == 403
    assert world.post("carol", publish).json()["state"] == "released"
    assert world.get("a-eng", fetch).content == expected_csv()
    assert world.post("carol", publish).status_code == 409


def test_each_allowed_step_passes_the_chokepoint_once(world: World) -> None:
    """The routes leave the decision to the service: one allow event per call, naming the
    object the step is about, never a second one from the route."""
    job = finished_job(world)

    def allows(who: str, call: Any) -> list[str]:
        query = sa.select(events_table.c.seq, events_table.c.resource).where(
            events_table.c.actor == who, events_table.c.decision == "allow"
        )
        with world.lab.engine.connect() as conn:
            before = {seq for seq, _ in conn.execute(query)}
        response = call()
        assert response.status_code in (200, 201), response.text
        with world.lab.engine.connect() as conn:
            return [r for seq, r in conn.execute(query.order_by("seq")) if seq not in before]

    made: list[Any] = []
    asked = allows("a-eng", lambda: made.append(ask(world, "a-eng", job, "by_city")) or made[0])
    assert asked == [f"sandbox/jobs/{job}"]
    release = made[0].json()["id"]
    shown = allows("carol", lambda: world.get("carol", f"{ACME}/releases/{release}"))
    assert shown == [f"sandbox/releases/{release}"]
    approved = allows("carol", lambda: decide(world, "carol", release, "approve"))
    assert approved == [f"sandbox/releases/{release}"]
    fetched = allows("a-eng", lambda: world.get("a-eng", f"{ACME}/jobs/{job}/outputs/by_city"))
    assert fetched == [f"sandbox/jobs/{job}/outputs"]
