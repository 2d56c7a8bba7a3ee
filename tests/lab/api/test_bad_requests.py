"""Requests that once answered 500: each is now a 4xx that says which value is wrong.

Every row was reported with one curl and a valid token. The value is refused at the API's
edge, so it never reaches the chokepoint, the audit trail or the database; the last tests
check that nothing of it was written and that large bodies are cut off.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from audit.store import events_table
from tests.lab.factories import World

LONG = "x" * 10_000


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("/v1/zones/%09x/history", "zone"),
        ("/v1/zones/%00/history", "zone"),
        ("/v1/zones/sandbox%0a/history", "zone"),
        (f"/v1/zones/{LONG}/history", "zone"),
        (f"/v1/tenants/{LONG}/zones/sandbox/datasets", "tenant"),
        (f"/v1/users/{LONG}", "user"),
        ("/v1/users/a%09eng/tokens", "user"),
        ("/v1/tenants/acme/zones/sandbox/jobs/%00", "job_id"),
        ("/v1/tenants/acme/zones/sandbox/datasets/m%0a", "name"),
        ("/v1/audit/events?tenant=%00", "tenant"),
        ("/v1/audit/events?tenant=", "tenant"),
        ("/v1/audit/events?tenant=*", "tenant"),
        (f"/v1/audit/events?tenant={LONG}", "tenant"),
        ("/v1/receipts?tenant=%09", "tenant"),
        ("/v1/audit/events?after=99999999999999999999999", "after"),
        ("/v1/audit/events?after=-1", "after"),
        ("/v1/receipts?after=9223372036854775808", "after"),
        (
            "/v1/tenants/acme/zones/sandbox/datasets/m/versions/9223372036854775808?reason=abc",
            "version",
        ),
        ("/v1/policy/history?before_version=9223372036854775808", "before_version"),
        ("/v1/audit/events?action=' OR 1=1 --", "action"),
        ("/v1/audit/events?action=*", "action"),
        ("/v1/audit/events?action=%25", "action"),
        ("/v1/audit/events?action=token.issue.*.*", "action"),
        ("/v1/audit/export?action=*", "action"),
        ("/v1/audit/events?actor=", "actor"),
        ("/v1/audit/events?actor=%00", "actor"),
        ("/v1/audit/events?since=yesterday", "since"),
        ("/v1/audit/events?since=-13446105", "since"),
        ("/v1/audit/events?until=0001-01-01T00:00%2B01:00", "until"),
        ("/v1/zones/sandbox?at=2026-13-01T00:00", "at"),
        ("/v1/zones/sandbox/releases?state=%00", "state"),
        ("/v1/zones/sandbox/releases?state=open", "state"),
        ("/v1/audit/export?tenat=acme", "tenat"),
        ("/v1/me?debug=1", "debug"),
    ],
)
def test_a_malformed_value_is_a_422_that_names_it(
    sqlite_world: World, url: str, names: str
) -> None:
    method = "DELETE" if "reason=" in url else "GET"
    response = sqlite_world.call(method, "root", url)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert names in {p["field"].split(".")[-1] for p in error["problems"]}
    assert error["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    "url",
    [
        "/v1/audit/events?since=2026-12-06T18:16:00",
        "/v1/audit/events?since=2026-12-06T18:16:00Z&until=2030-01-01T00:00:00%2B08:00",
        "/v1/audit/events?action=token.*",
        "/v1/audit/events?action=access.read&tenant=acme&actor=a-eng",
        "/v1/receipts?since=2026-12-06T18:16&after=9223372036854775807",
        "/v1/zones/sandbox?at=2030-01-01T00:00",
    ],
)
def test_well_formed_values_still_work_and_a_naive_time_is_utc(
    sqlite_world: World, url: str
) -> None:
    response = sqlite_world.get("root", url)
    assert response.status_code == 200, response.text


def test_a_naive_time_means_the_same_instant_as_utc(sqlite_world: World) -> None:
    def first_seq(since: str) -> int:
        found = sqlite_world.get("root", "/v1/audit/events", params={"since": since})
        return int(found.json()["events"][0]["seq"])

    # the instant of the third event, written three ways; each read adds events after it
    third = sqlite_world.get("root", "/v1/audit/events?limit=3").json()["events"][2]
    instant = datetime.fromisoformat(third["time"])
    naive = instant.replace(tzinfo=None).isoformat()
    east = instant.astimezone(timezone(timedelta(hours=8))).isoformat()
    assert "+" not in naive and east.endswith("+08:00")
    assert first_seq(naive) == first_seq(third["time"]) == first_seq(east) == third["seq"]


def test_the_readme_example_of_a_time_before_the_lab_is_a_clear_404(sqlite_world: World) -> None:
    response = sqlite_world.get("root", "/v1/zones/sandbox?at=2026-06-01T00:00")
    assert response.status_code == 404
    assert "no rules at 2026-06-01T00:00:00+00:00" in response.json()["error"]["message"]


def _events_mentioning(world: World, text: str) -> int:
    like = f"%{text}%"
    query = sa.select(sa.func.count()).where(
        sa.or_(events_table.c.resource.like(like), events_table.c.tenant.like(like))
    )
    with world.lab.engine.connect() as conn:
        return int(conn.scalar(query) or 0)


@pytest.mark.parametrize("who", ["root", "a-viewer", "g-eng"])
def test_a_long_segment_never_reaches_the_audit_trail(sqlite_world: World, who: str) -> None:
    for url in (
        f"/v1/zones/{LONG}/history",
        f"/v1/audit/events?tenant={LONG[:300]}",
        f"/v1/tenants/{LONG}/zones/sandbox/jobs",
    ):
        assert sqlite_world.get(who, url).status_code == 422
    assert _events_mentioning(sqlite_world, "x" * 50) == 0


def test_the_chokepoint_records_an_unchecked_long_or_odd_value_cut_and_escaped(
    sqlite_world: World,
) -> None:
    """A caller below the API (a script, the CLI) can still pass such a value: the
    decision is recorded, bounded and readable, and the caller gets its 404/403."""
    from lab.authz.chokepoint import Principal
    from lab.errors import LabError

    principal = Principal(user="a-eng", tenant="acme")
    for resource in (f"zones/{LONG}", "zones/\x00\t"):
        with pytest.raises(LabError):
            sqlite_world.lab.chokepoint.authorize(
                principal, action="update", resource=resource, tenant="acme", zone="sandbox"
            )
    with sqlite_world.lab.engine.connect() as conn:
        rows = conn.execute(
            sa.select(events_table.c.resource)
            .where(events_table.c.actor == "a-eng")
            .order_by(events_table.c.seq.desc())
            .limit(2)
        ).all()
    cut, escaped = rows[1][0], rows[0][0]
    assert len(cut) <= 200 and cut.startswith("sandbox/zones/xxx") and "#" in cut
    assert escaped == "sandbox/zones/\\x00\\x09"


def test_a_huge_tenant_name_is_refused_and_nothing_is_made(sqlite_world: World) -> None:
    response = sqlite_world.post(
        "root", "/v1/tenants", json={"slug": "bigco", "name": "n" * 1_000_000}
    )
    assert response.status_code == 422, response.text[:300]
    assert "name" in response.json()["error"]["message"]
    slugs = [t["slug"] for t in sqlite_world.get("root", "/v1/tenants").json()]
    assert "bigco" not in slugs


def test_a_body_over_the_cap_is_a_413_with_the_error_body(sqlite_world: World) -> None:
    cap = sqlite_world.lab.settings.max_json_body_bytes
    response = sqlite_world.post(
        "root", "/v1/tenants", json={"slug": "bigco", "name": "n" * (cap + 1)}
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert error["request_id"] == response.headers["x-request-id"]


def test_a_streamed_body_without_a_length_is_cut_off_at_the_cap(sqlite_world: World) -> None:
    cap = sqlite_world.lab.settings.max_json_body_bytes

    def chunks() -> Iterator[bytes]:
        yield b'{"slug": "bigco", "name": "'
        for _ in range(cap // 65536 + 4):
            yield b"n" * 65536
        yield b'"}'

    response = sqlite_world.post(
        "root",
        "/v1/tenants",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_an_upload_is_not_held_to_the_json_cap(sqlite_world: World) -> None:
    """Imports and jobs upload files through multipart: their own caps apply."""
    cap = sqlite_world.lab.settings.max_json_body_bytes
    data = b"merchant_id,amount\n" + b"m1,1\n" * (cap // 5 + 10)
    response = sqlite_world.post(
        "a-eng",
        "/v1/tenants/acme/zones/sandbox/imports",
        data={"dataset": "big"},
        files={"spec": ("spec.yaml", b"source: {kind: csv}\n"), "data": ("d.csv", data)},
    )
    assert response.status_code == 202, response.text[:300]
    assert response.json()["dataset"] == "big"
