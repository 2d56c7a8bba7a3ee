"""The system path: in a zone that says `aggregates: auto`, outputs the gate proved
aggregate are released without review, recorded as asked and approved by `system:gate`."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.errors import Conflict
from lab.releases.service import auto_release
from lab.settings import Settings
from lab.work.models import WorkItem
from tests.lab.factories import World, standard_world
from tests.lab.releases.jobs import events, finished_job
from tests.lab.releases.test_release_flow import ACME, expected_csv


@pytest.fixture
def auto_world(tmp_path: Path, metastore_url: str) -> Iterator[World]:
    zones = tmp_path / "zones"
    shutil.copytree(Settings(_env_file=None).zones_dir, zones)  # type: ignore[call-arg]
    sandbox = zones / "sandbox.yaml"
    sandbox.write_text(
        sandbox.read_text().replace("aggregates: release_request", "aggregates: auto")
    )
    world = standard_world(tmp_path / "home", metastore_url, zones_dir=zones)
    yield world
    world.close()


def _item(world: World, job_id: str) -> WorkItem:
    with world.lab.read() as session:
        item = session.get(WorkItem, job_id)
        assert item is not None
        return item


def test_a_proved_aggregate_leaves_without_review_and_is_audited(auto_world: World) -> None:
    job = finished_job(auto_world)
    released = auto_release(auto_world.lab, _item(auto_world, job), ["by_city"])
    assert released.state == "released" and released.requester == "system:gate"
    got = auto_world.get("a-eng", f"{ACME}/jobs/{job}/outputs/by_city?format=csv")
    assert got.status_code == 200 and got.content == expected_csv()
    asked = events(auto_world, "release.request", actor="system:gate")
    assert asked and asked[-1]["details"]["automatic"] is True
    digest = hashlib.sha256(expected_csv()).hexdigest()
    assert (
        events(auto_world, "release.publish")[-1]["details"]["files"]["by_city"]["sha256"] == digest
    )


def test_what_the_gate_did_not_prove_aggregate_still_needs_review(auto_world: World) -> None:
    job = finished_job(auto_world)
    for output in ("plot", "people"):
        with pytest.raises(Conflict, match="needs review"):
            auto_release(auto_world.lab, _item(auto_world, job), [output])
    assert auto_world.get("a-eng", f"{ACME}/jobs/{job}/outputs/plot").status_code == 409


def test_a_zone_that_asks_for_review_releases_nothing_automatically(world: World) -> None:
    job = finished_job(world)
    with pytest.raises(Conflict, match="without review"):
        auto_release(world.lab, _item(world, job), ["by_city"])
    assert events(world, "release.publish") == []
