"""The jobs front door through the API: zone-bound look-ups and cancel as its own verb.

The CLI walk (`tests/lab/cli/test_cli_walk.py`) probes the same service through the CLI;
here the API adapters are held to the same answers.
"""

from __future__ import annotations

import sqlalchemy as sa

from audit.schema import events_table
from lab.authz import admin as policy_admin
from lab.work.models import CANCELLED, QUEUED
from lab.work.queue import get_item, submit
from tests.lab.factories import World

JOBS = "/v1/tenants/acme/zones/{zone}/jobs"


def _queue(world: World, zone: str, kind: str = "job") -> str:
    with world.lab.transaction() as session:
        return submit(
            session,
            kind=kind,
            tenant="acme",
            zone=zone,
            name=f"{zone}-{kind}",
            submitter="a-owner",
            spec={},
        ).id


def _state(world: World, item_id: str) -> str:
    with world.lab.read() as session:
        return get_item(session, item_id).state


def _cancel_events(world: World) -> list[str]:
    query = sa.select(events_table.c.resource).where(events_table.c.action == "job.cancel")
    with world.lab.engine.connect() as conn:
        return list(conn.scalars(query))


def test_a_job_of_another_zone_is_not_found_and_stays_queued(world: World) -> None:
    production = _queue(world, "production")
    imported = _queue(world, "sandbox", kind="import")
    for target in (production, imported):
        url = f"{JOBS.format(zone='sandbox')}/{target}"
        assert world.get("a-eng", url).status_code == 404
        assert world.post("a-eng", f"{url}/cancel").status_code == 404
        assert world.get("a-eng", f"{url}/logs").status_code == 404
        assert _state(world, target) == QUEUED
    response = world.post("a-eng", f"{JOBS.format(zone='production')}/{production}/cancel")
    assert response.status_code == 403
    assert _state(world, production) == QUEUED and _cancel_events(world) == []


def test_the_owner_cancels_a_production_job_once_audited(world: World) -> None:
    production = _queue(world, "production")
    url = f"{JOBS.format(zone='production')}/{production}/cancel"
    response = world.post("a-owner", url)
    assert response.status_code == 200 and response.json()["state"] == CANCELLED
    assert _cancel_events(world) == [f"production/jobs/{production}"]
    assert world.post("a-owner", url).status_code == 409  # already ended


def test_a_zone_lists_its_own_jobs_only(world: World) -> None:
    sandbox, production = _queue(world, "sandbox"), _queue(world, "production")
    listed = [j["id"] for j in world.get("a-owner", JOBS.format(zone="sandbox")).json()]
    assert listed == [sandbox]
    listed = [j["id"] for j in world.get("a-owner", JOBS.format(zone="production")).json()]
    assert listed == [production]


def test_cancelling_is_decided_on_its_own_verb(world: World) -> None:
    """A policy may let engineers submit and not cancel: cancel is not `submit` any more."""
    target = _queue(world, "sandbox")
    with world.lab.transaction() as session:
        rule = policy_admin.Rule("engineer", "*", "sandbox/jobs/*", "cancel", "deny")
        policy_admin.add_rule(session, "system:test", rule)
    world.lab.policy.refresh(force=True)
    response = world.post("a-eng", f"{JOBS.format(zone='sandbox')}/{target}/cancel")
    assert response.status_code == 403 and "cancel" in response.json()["error"]["message"]
    assert _state(world, target) == QUEUED
    assert world.get("a-eng", f"{JOBS.format(zone='sandbox')}/{target}").status_code == 200
