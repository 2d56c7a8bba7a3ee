"""Which deployments the scheduler finds due, and runs that fail closed, on both backends.

The deployments here are rows without a signed manifest or an artifact: every run of one
must fail at the verified load, be recorded and audited, and leave the round (or the work
item) to go on. No sandbox is needed."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from lab.db.base import utcnow
from lab.monitoring.models import FAILED, QUEUED, SCHEDULE, MonitoringRun
from lab.monitoring.runner import new_run
from lab.monitoring.schedule import due_deployments
from lab.promotions.models import ACTIVE, RETIRED, SUPERSEDED, Deployment
from lab.retention.scheduler import Housekeeper
from lab.settings import Settings
from lab.work.handlers import HANDLERS
from lab.work.models import WorkItem
from lab.work.worker import Worker
from tests.lab.factories import World
from tests.lab.monitoring.helpers import MONITORING
from tests.lab.releases.jobs import events


def deployment(world: World, name: str, *, status: str = ACTIVE, version: int = 1) -> str:
    """A deployment row of acme (no manifest, no artifact), its id."""
    row = Deployment(
        id=secrets.token_hex(8),
        tenant="acme",
        zone="production",
        name=name,
        version=version,
        model_version_id="0" * 16,
        request_id="0" * 16,
        flavour="lightgbm",
        artifact_version_id="0" * 16,
        artifact_name="model.txt",
        dataset_tenant="acme",
        dataset_name="merchants",
        status=status,
    )
    with world.lab.transaction() as session:
        session.add(row)
    return row.id


def ran(world: World, deployment_id: str, hours_ago: float) -> None:
    """A scheduled run of the deployment, created `hours_ago`."""
    with world.lab.transaction() as session:
        found = session.get(Deployment, deployment_id)
        assert found is not None
        run = new_run(session, found, trigger=SCHEDULE, requested_by="test", state=FAILED)
        run.created_at = utcnow() - timedelta(hours=hours_ago)


def due(world: World) -> list[str]:
    with world.lab.read() as session:
        return [d.name for d in due_deployments(session, utcnow())]


def monitoring_every(world: World, hours: int) -> None:
    path = Settings(_env_file=None).zones_dir / "production.yaml"  # type: ignore[call-arg]
    rules: dict[str, Any] = yaml.safe_load(path.read_text())
    rules["monitoring"] = {**rules.get("monitoring", {}), "interval_hours": hours}
    body = {"rules": rules, "comment": f"monitor every {hours} h"}
    assert world.call("PUT", "root", "/v1/zones/production", json=body).is_success


def test_due_are_active_deployments_not_run_within_the_zone_interval(world: World) -> None:
    deployment(world, "never")
    stale = deployment(world, "stale")
    fresh = deployment(world, "fresh")
    deployment(world, "retired", status=RETIRED)
    deployment(world, "fresh", status=SUPERSEDED, version=2)
    ran(world, stale, 25)
    ran(world, fresh, 2)
    assert due(world) == ["never", "stale"]
    monitoring_every(world, 1)
    assert due(world) == ["fresh", "never", "stale"]


def test_every_run_of_a_round_fails_closed_on_its_own(world: World) -> None:
    deployment(world, "first")
    deployment(world, "second")
    report = Housekeeper(world.lab).monitor_once()
    assert report is not None and report.succeeded == [] and len(report.failed) == 2
    with world.lab.read() as session:
        runs = list(session.scalars(sa.select(MonitoringRun)))
    assert {(r.name, r.state) for r in runs} == {("first", FAILED), ("second", FAILED)}
    assert all("no signed manifest" in r.message for r in runs)
    ended = events(world, "model.monitoring.run", tenant="acme")
    assert [(e["outcome"], e["resource"]) for e in ended] == [
        ("failed", "production/deployments/first/versions/1"),
        ("failed", "production/deployments/second/versions/1"),
    ]
    refused = [e for e in events(world, "model.load", tenant="acme") if e["decision"] == "deny"]
    assert len(refused) == 2
    assert due(world) == []  # a failed run counts: tried again after the interval


@pytest.mark.parametrize("who", ["a-eng", "a-viewer", "root", "g-owner"])
def test_only_the_owner_asks_for_a_run(world: World, who: str) -> None:
    deployment(world, "scorer")
    url = MONITORING.format(name="scorer") + "/runs"
    assert world.post(who, url).status_code in (403, 404)
    assert world.get("a-eng", url).json() == []


def test_a_run_asked_for_is_done_by_a_worker_and_fails_its_item(world: World) -> None:
    deployment(world, "scorer")
    url = MONITORING.format(name="scorer") + "/runs"
    asked = world.post("a-owner", url)
    assert asked.status_code == 202, asked.text
    assert asked.json()["state"] == QUEUED
    assert world.post("a-owner", url).status_code == 409
    item_id = Worker(world.lab, HANDLERS).run_once()
    assert item_id is not None
    with world.lab.read() as session:
        item = session.get(WorkItem, item_id)
        assert item is not None
        assert (item.kind, item.state, item.status) == ("monitoring", "failed", "failed")
        assert "no signed manifest" in item.message
    run = world.get("a-eng", f"{url}/{asked.json()['id']}").json()
    assert run["state"] == "failed" and "no signed manifest" in run["message"]
    again = world.post("a-owner", url)  # the failed run no longer holds the next one
    assert again.status_code == 202, again.text


def test_a_run_whose_worker_died_does_not_hold_the_next(world: World) -> None:
    deployment(world, "scorer")
    url = MONITORING.format(name="scorer") + "/runs"
    asked = world.post("a-owner", url).json()
    with world.lab.transaction() as session:
        run = session.get(MonitoringRun, asked["id"])
        assert run is not None and run.work_item_id is not None
        item = session.get(WorkItem, run.work_item_id)
        assert item is not None
        item.state, item.status, item.message = "failed", "lease-expired", "worker died"
    assert world.post("a-owner", url).status_code == 202
    stuck = world.get("a-eng", f"{url}/{asked['id']}").json()
    assert stuck["state"] == "failed" and "lease-expired" in stuck["message"]


def test_a_run_asked_for_a_deployment_retired_since_fails(world: World) -> None:
    scorer = deployment(world, "scorer")
    url = MONITORING.format(name="scorer") + "/runs"
    asked = world.post("a-owner", url)
    assert asked.status_code == 202, asked.text
    with world.lab.transaction() as session:
        found = session.get(Deployment, scorer)
        assert found is not None
        found.status = RETIRED
    assert Worker(world.lab, HANDLERS).run_once() is not None
    run = world.get("a-eng", f"{url}/{asked.json()['id']}").json()
    assert run["state"] == "failed" and "only the active one is monitored" in run["message"]
    assert world.post("a-owner", url).status_code == 409  # nothing active to monitor
