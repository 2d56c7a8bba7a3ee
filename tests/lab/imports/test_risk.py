"""Re-identification risk through the lab's imports: the zone's rule decides. warn: the
import succeeds and its report names the combination, the share and a recommended spec that,
pasted into the spec, brings the share under the limit; generalize: the import applies that
spec and reports before and after; refuse: the import fails naming the combination and the
share, and leaves nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import yaml

from connectors.risk.candidates import PSEUDONYM
from lab.datasets.service import list_versions
from lab.work.handlers import HANDLERS
from lab.work.worker import Worker
from lab.zones.registry import rules_at, update_rules
from lab.zones.rules import Reidentification
from tests.connectors.risk.data import merchants, unique_share
from tests.lab.factories import World
from tests.lab.imports.test_bad_input import assert_nothing_left
from tests.lab.imports.test_imports import as_csv, imports_url, run_worker, stored, upload

PAIR = ["industry", "monthly_sales"]
CSV = {"source": {"kind": "csv"}}


def merchants_file(rows: int = 2000) -> pa.Table:
    """Mobile numbers (pseudonymized by default), industry, exact monthly sales, a remark."""
    table = merchants(rows)
    mobiles = np.random.default_rng(9).integers(0, 10**9, rows)
    return table.set_column(0, "mobile", pa.array([f"13{int(m):09d}" for m in mobiles]))


def set_rule(world: World, action: str, max_unique_share: float = 0.05) -> None:
    with world.lab.transaction() as session:
        rules = rules_at(session, "sandbox")
        rule = Reidentification(max_unique_share=max_unique_share, action=action)  # type: ignore[arg-type]
        update_rules(session, "admin", rules.model_copy(update={"reidentification": rule}))


def imported(world: World, table: pa.Table, spec: dict[str, Any], dataset: str) -> dict[str, Any]:
    response = upload(world, "a-eng", as_csv(table), spec, dataset=dataset)
    assert response.status_code == 202, response.text
    return run_worker(world, response.json()["id"])


def test_warn_names_the_combination_and_its_recommended_spec_works(sqlite_world: World) -> None:
    world, raw = sqlite_world, merchants_file()
    record = imported(world, raw, CSV, "merchants")
    assert record["state"] == "succeeded", record
    risk = record["report"]["reidentification"]
    expected = unique_share(raw, PAIR)
    assert expected > 0.3
    assert [c["column"] for c in risk["candidates"]] == PAIR
    assert risk["unique_share"] == pytest.approx(expected)
    assert risk["unique_share"] == pytest.approx(unique_share(stored(world), PAIR))
    assert risk["combinations"][0]["columns"] == PAIR
    excluded = {e["column"]: e["reason"] for e in risk["excluded"]}
    assert excluded["mobile"] == PSEUDONYM and "remark" not in [
        c["column"] for c in risk["candidates"]
    ]
    verdict = risk["verdict"]
    assert verdict["over_limit"] and verdict["action"] == "warn"
    assert (
        f"{expected:.1%} of records are unique on (industry, monthly_sales)" in verdict["message"]
    )
    assert "recommended spec brings it to" in verdict["message"]
    recommendation = risk["recommendation"]
    assert recommendation["reached"] and "monthly_sales" in recommendation["spec"]["columns"]
    assert not risk["applied"] and risk["before"] is None

    pasted = {**CSV, **yaml.safe_load(recommendation["yaml"])}
    again = imported(world, raw, pasted, "merchants_safer")
    assert again["state"] == "succeeded", again
    safer = stored(world, name="merchants_safer")
    assert unique_share(safer, PAIR) <= 0.05
    assert unique_share(safer, PAIR) == pytest.approx(recommendation["unique_share_after"])
    assert not again["report"]["reidentification"]["verdict"]["over_limit"]


def test_generalize_applies_the_recommended_spec_and_reports_before_and_after(
    sqlite_world: World,
) -> None:
    world, raw = sqlite_world, merchants_file()
    set_rule(world, "generalize")
    record = imported(world, raw, CSV, "merchants")
    assert record["state"] == "succeeded", record
    risk = record["report"]["reidentification"]
    assert risk["applied"]
    assert risk["before"]["unique_share"] == pytest.approx(unique_share(raw, PAIR))
    table = stored(world)
    assert (
        risk["unique_share"] == pytest.approx(unique_share(table, PAIR))
        and risk["unique_share"] <= 0.05
    )
    assert table.column("monthly_sales").to_pylist() != raw.column("monthly_sales").to_pylist()
    column = {c["column"]: c for c in record["report"]["columns"]}["monthly_sales"]
    assert column["reason"].startswith("re-identification: recommended by the sandbox zone")
    with world.lab.read() as session:
        versions = list_versions(session, tenant="acme", zone="sandbox", live_only=False)
    assert [(v.version, v.state) for v in versions] == [(1, "ready")]  # written once


def test_refuse_fails_naming_the_combination_and_leaves_nothing(world: World) -> None:
    raw = merchants_file(1000)
    set_rule(world, "refuse")
    record = imported(world, raw, CSV, "merchants")
    assert (record["state"], record["status"]) == ("failed", "invalid-input"), record
    message = record["message"]
    assert "sandbox zone's limit of 5.0%" in message
    assert "(industry, monthly_sales)" in message
    assert f"{unique_share(raw, PAIR):.1%}" in message
    assert "nothing was imported" in message and '"monthly_sales"' in message
    assert_nothing_left(world)


def test_a_refusing_zone_lets_a_safe_import_through(sqlite_world: World) -> None:
    world, raw = sqlite_world, merchants_file(1000)
    set_rule(world, "refuse")
    spec = {**CSV, "columns": {"monthly_sales": {"operator": "drop"}}}
    record = imported(world, raw, spec, "merchants")
    assert record["state"] == "succeeded", record
    risk = record["report"]["reidentification"]
    assert [c["column"] for c in risk["candidates"]] == ["industry"]
    assert risk["unique_share"] == 0 and not risk["verdict"]["over_limit"]


def test_no_candidate_quasi_identifiers_reports_zero_risk(sqlite_world: World) -> None:
    rows = 300
    raw = merchants_file(rows).select(["mobile", "remark"])
    raw = raw.append_column("country", pa.array(["CN"] * rows))
    record = imported(sqlite_world, raw, CSV, "contacts")
    assert record["state"] == "succeeded", record
    risk = record["report"]["reidentification"]
    assert risk["candidates"] == [] and risk["combinations"] == []
    assert (risk["unique_share"], risk["highest_risk"], risk["average_risk"]) == (0, 0, 0)
    assert "no candidate quasi-identifiers" in risk["verdict"]["message"]
    assert risk["recommendation"] is None


def test_production_reports_the_risk_without_alarm(sqlite_world: World) -> None:
    world, raw = sqlite_world, merchants_file(500)
    response = upload(world, "a-owner", as_csv(raw), CSV, zone="production")
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]
    assert Worker(world.lab, HANDLERS).run_once() == import_id
    record = world.get("a-owner", f"{imports_url(zone='production')}/{import_id}").json()
    assert record["state"] == "succeeded", record
    risk = record["report"]["reidentification"]
    assert risk["unique_share"] == pytest.approx(unique_share(raw, PAIR))
    assert risk["verdict"]["max_unique_share"] == 1.0 and not risk["verdict"]["over_limit"]
