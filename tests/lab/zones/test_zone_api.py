"""Zone rules through the API: everyone reads them, admins change them, any past time answers."""

from __future__ import annotations

import time

from lab.db.base import utcnow
from tests.lab.factories import World


def test_rules_change_by_admin_only_and_past_rules_stay_answerable(world: World) -> None:
    current = world.get("a-eng", "/v1/zones/sandbox")
    assert current.status_code == 200
    rules = current.json()["rules"]
    assert rules["disclosure"]["min_cell_count"] == 10
    before = utcnow().isoformat()
    time.sleep(0.01)
    rules["disclosure"]["min_cell_count"] = 30
    body = {"rules": rules, "comment": "regulator asked"}
    assert world.call("PUT", "a-owner", "/v1/zones/sandbox", json=body).status_code == 403
    assert world.call("PUT", "carol", "/v1/zones/sandbox", json=body).status_code == 403
    changed = world.call("PUT", "root", "/v1/zones/sandbox", json=body)
    assert changed.status_code == 200 and changed.json()["version"] == 2

    now = world.get("carol", "/v1/zones/sandbox").json()
    then = world.get("carol", "/v1/zones/sandbox", params={"at": before}).json()
    assert now["rules"]["disclosure"]["min_cell_count"] == 30
    assert then["rules"]["disclosure"]["min_cell_count"] == 10 and then["version"] == 1
    history = world.get("a-viewer", "/v1/zones/sandbox/history").json()
    assert [h["version"] for h in history] == [2, 1]
    assert history[0]["comment"] == "regulator asked" and history[0]["actor"] == "root"
    audited = world.get("carol", "/v1/audit/events?action=zone.rules.update").json()["events"]
    assert audited[-1]["actor"] == "root"


def test_invalid_rules_are_refused_with_the_field_named(world: World) -> None:
    rules = world.get("root", "/v1/zones/sandbox").json()["rules"]
    rules["retention"]["dataset_days"] = 0
    response = world.call("PUT", "root", "/v1/zones/sandbox", json={"rules": rules})
    assert response.status_code == 422
    assert "rules.retention.dataset_days" in response.json()["error"]["message"]
    rules["retention"]["dataset_days"] = 30
    rules["name"] = "production"
    response = world.call("PUT", "root", "/v1/zones/sandbox", json={"rules": rules})
    assert response.status_code == 400


def test_an_unknown_zone_is_not_found(world: World) -> None:
    assert world.get("root", "/v1/zones/nowhere").status_code == 404
    assert world.get("a-eng", "/v1/zones/nowhere").status_code == 404


def test_monitoring_thresholds_out_of_order_are_refused_and_nothing_changes(
    world: World,
) -> None:
    rules = world.get("root", "/v1/zones/production").json()["rules"]
    assert rules["monitoring"]["interval_hours"] == 24
    rules["monitoring"].update(psi_warning=0.4, psi_alert=0.3)
    response = world.call("PUT", "root", "/v1/zones/production", json={"rules": rules})
    assert response.status_code == 400
    assert "monitoring.psi_warning" in response.json()["error"]["message"]
    assert world.get("root", "/v1/zones/production").json()["version"] == 1
    rules["monitoring"].update(psi_warning=0.2, psi_alert=0.3, interval_hours=6)
    response = world.call("PUT", "root", "/v1/zones/production", json={"rules": rules})
    assert response.status_code == 200
    assert response.json()["rules"]["monitoring"]["interval_hours"] == 6
