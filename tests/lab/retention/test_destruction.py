"""Destruction through the lab: receipts, holds, the scheduler, crashes, off-boarding."""

from __future__ import annotations

import multiprocessing as mp
import threading
from datetime import timedelta

import pytest

from lab.db.base import utcnow
from lab.errors import InvalidInput
from lab.retention.destroyer import Destroyer
from lab.retention.scheduler import Housekeeper
from lab.storage import due_for_destruction
from lab.storage.models import DESTROYED, DatasetVersion
from tests.lab.factories import World, make_lab
from tests.lab.retention.helpers import (
    destroy_and_die,
    events,
    files_of,
    receipts_for,
    settings_json,
    write_sample,
)

LATER = timedelta(days=1)


def test_a_zone_caps_retention_and_refuses_a_later_destroy_at(world: World) -> None:
    info = write_sample(world.lab)
    assert info.destroy_at is not None
    assert timedelta(days=89) < info.destroy_at - utcnow() <= timedelta(days=90)
    with pytest.raises(InvalidInput, match="later than zone 'sandbox' allows"):
        write_sample(world.lab, destroy_at=utcnow() + timedelta(days=91))
    earlier = write_sample(world.lab, destroy_at=utcnow() + timedelta(days=3))
    assert earlier.destroy_at is not None and earlier.destroy_at < info.destroy_at


def test_the_scheduler_destroys_what_is_due_with_one_receipt(world: World) -> None:
    due = write_sample(world.lab, destroy_at=utcnow() + timedelta(hours=1))
    kept = write_sample(world.lab, name="kept")
    report = Housekeeper(world.lab).run_once(now=utcnow() + timedelta(hours=2))
    assert report is not None and report.destroyed == [due.id]
    assert not any(p.exists() for p in files_of(world.lab, due))
    assert all(p.exists() for p in files_of(world.lab, kept))
    [receipt] = receipts_for(world.lab, due.id)
    assert receipt["actor"] == "system:scheduler" and receipt["tenant"] == "acme"
    assert '"key_destroyed":true' in receipt["details"]
    assert due.files[0]["sha256"] in receipt["details"]
    again = Housekeeper(world.lab).run_once(now=utcnow() + timedelta(hours=3))
    assert again is not None and again.destroyed == []
    assert len(receipts_for(world.lab, due.id)) == 1


def test_a_legal_hold_skips_destruction_audits_it_once_and_release_lets_it_go(
    world: World,
) -> None:
    info = write_sample(world.lab, destroy_at=utcnow() + timedelta(hours=1))
    url = f"/v1/tenants/acme/zones/sandbox/datasets/merchants/versions/{info.version}/hold"
    assert world.call("PUT", "a-owner", url, json={"reason": "case 7"}).status_code == 403
    placed = world.call("PUT", "carol", url, json={"reason": "case 7"})
    assert placed.status_code == 200 and placed.json()["legal_hold"] is True
    keeper = Housekeeper(world.lab)
    for _ in range(2):
        report = keeper.run_once(now=utcnow() + LATER)
        assert report is not None and report.held == [info.id] and report.destroyed == []
    assert len(events(world.lab, "destruction.skipped")) == 1
    assert all(p.exists() for p in files_of(world.lab, info))
    released = world.call("DELETE", "carol", url, json={"reason": "case closed"})
    assert released.status_code == 200
    report = keeper.run_once(now=utcnow() + LATER)
    assert report is not None and report.destroyed == [info.id]
    assert [e["action"] for e in events(world.lab, "hold.place")] == ["hold.place"]


def test_a_hold_placed_after_the_listing_is_a_skipped_destruction_audited_once(
    world: World,
) -> None:
    info = write_sample(world.lab, destroy_at=utcnow() + timedelta(hours=1))
    destroyer = Destroyer(world.lab)
    with world.lab.read() as session:
        due = due_for_destruction(session, utcnow() + LATER)
    assert due == [info.id]
    url = f"/v1/tenants/acme/zones/sandbox/datasets/merchants/versions/{info.version}/hold"
    assert world.call("PUT", "carol", url, json={"reason": "case 8"}).status_code == 200
    report = destroyer.destroy(due)  # the hold came between the listing and the destruction
    assert report.destroyed == [] and "legal hold" in report.failed[info.id]
    [skipped] = events(world.lab, "destruction.skipped")
    assert skipped["tenant"] == "acme" and skipped["zone"] == "sandbox"
    assert skipped["outcome"] == "skipped" and "legal hold" in skipped["details"]
    assert all(p.exists() for p in files_of(world.lab, info))
    assert destroyer.run_once(now=utcnow() + LATER).held == [info.id]
    assert len(events(world.lab, "destruction.skipped")) == 1


def test_two_schedulers_destroy_each_item_once(world: World) -> None:
    versions = [
        write_sample(world.lab, name=f"d{i}", rows=500, destroy_at=utcnow() + timedelta(hours=1))
        for i in range(6)
    ]
    other = make_lab(world.lab.settings)
    try:
        keepers = [Housekeeper(world.lab), Housekeeper(other)]
        reports: list[object] = []
        threads = [
            threading.Thread(target=lambda k=k: reports.append(k.run_once(utcnow() + LATER)))
            for k in keepers
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        other.close()
    for info in versions:
        assert len(receipts_for(world.lab, info.id)) == 1, info.name
    destroyed = [v for r in reports for v in r.destroyed]  # type: ignore[attr-defined]
    assert sorted(destroyed) == sorted(v.id for v in versions)


def test_a_destruction_killed_midway_is_completed_by_the_next_run_with_one_receipt(
    world: World,
) -> None:
    info = write_sample(world.lab, destroy_at=utcnow() + timedelta(hours=1))
    child = mp.get_context("spawn").Process(
        target=destroy_and_die,
        args=(settings_json(world.lab.settings), info.id, "files-removed"),
    )
    child.start()
    child.join(120)
    assert child.exitcode == -9
    assert receipts_for(world.lab, info.id) == []
    report = Destroyer(world.lab).run_once(now=utcnow())  # "destroying" is due at once
    assert report.destroyed == [info.id]
    assert len(receipts_for(world.lab, info.id)) == 1
    with world.lab.read() as session:
        assert session.get(DatasetVersion, info.id).state == DESTROYED  # type: ignore[union-attr]


def test_owners_and_admins_destroy_now_through_the_api(world: World) -> None:
    info = write_sample(world.lab)
    url = "/v1/tenants/acme/zones/sandbox/datasets/merchants/versions/1?reason=no+longer+needed"
    assert world.delete("a-eng", url).status_code == 403
    assert world.delete("g-owner", url).status_code == 404
    done = world.delete("a-owner", url)
    assert done.status_code == 200, done.text
    assert done.json()["receipt"]["details"]["version_id"] == info.id
    assert world.delete("a-owner", url).json()["already_destroyed"] is True
    listed = world.get("a-owner", "/v1/tenants/acme/zones/sandbox/datasets?include_destroyed=1")
    assert [v["state"] for v in listed.json()] == ["destroyed"]
    receipts = world.get("carol", "/v1/receipts").json()["receipts"]
    assert [r["details"]["version_id"] for r in receipts] == [info.id]
    mine = world.get("a-owner", "/v1/receipts?tenant=acme").json()["receipts"]
    assert len(mine) == 1
    assert world.get("g-owner", "/v1/receipts?tenant=acme").status_code == 404


def test_dataset_listing_shows_schema_size_retention_and_hold(world: World) -> None:
    write_sample(world.lab, rows=1234)
    [version] = world.get("a-eng", "/v1/tenants/acme/zones/sandbox/datasets").json()
    assert version["rows"] == 1234 and version["bytes"] > 0 and version["files"] >= 1
    assert {c["name"]: c["classification"] for c in version["columns"]}["city"] == (
        "quasi_identifier"
    )
    assert version["destroy_at"] and version["legal_hold"] is False
    assert world.get("a-eng", "/v1/tenants/acme/zones/nowhere/datasets").status_code == 404
    assert world.get("g-eng", "/v1/tenants/acme/zones/sandbox/datasets").status_code == 404


def test_offboarding_destroys_everything_of_the_tenant_and_nothing_else(world: World) -> None:
    mine = [write_sample(world.lab), write_sample(world.lab, zone="production", name="full")]
    theirs = write_sample(world.lab, tenant="globex")
    assert world.delete("a-owner", "/v1/tenants/acme?confirm=acme").status_code == 403
    response = world.delete("root", "/v1/tenants/acme?confirm=acme")
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["versions_destroyed"] == 2
    assert set(summary["keys_destroyed"]) == {"storage/sandbox/acme", "storage/production/acme"}
    for info in mine:
        assert len(receipts_for(world.lab, info.id)) == 1
        assert not any(p.exists() for p in files_of(world.lab, info))
    assert all(p.exists() for p in files_of(world.lab, theirs))
    assert len(events(world.lab, "destruction.summary", tenant="acme")) == 1
    assert world.get("a-eng", "/v1/me").status_code == 401
    assert world.get("root", "/v1/tenants/acme").json()["status"] == "offboarded"


def test_offboarding_is_refused_while_a_hold_stands(world: World) -> None:
    write_sample(world.lab)
    url = "/v1/tenants/acme/zones/sandbox/datasets/merchants/versions/1/hold"
    world.call("PUT", "carol", url, json={"reason": "litigation"})
    refused = world.delete("root", "/v1/tenants/acme?confirm=acme")
    assert refused.status_code == 409
    assert "legal hold" in refused.json()["error"]["message"]
    assert events(world.lab, "destruction.receipt") == []
