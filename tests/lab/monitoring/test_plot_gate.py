"""A monitoring run's plots pass the production zone's disclosure gate before they are
drawn: a score bin holding fewer production records than the zone's minimum cell count is
suppressed by the gate (audited, recorded on the run without a count, drawn empty); with a
minimum no bin reaches, the plot is withheld and asking for it says why."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from jobs.engines.python import sandbox_available
from lab.monitoring.models import MonitoringRun
from lab.retention.scheduler import Housekeeper
from lab.runs.artifacts import read_files
from tests.lab.console.test_console_rules import login
from tests.lab.factories import World
from tests.lab.monitoring.helpers import MONITORING, age_runs, runs_of
from tests.lab.promotions.helpers import promote, review
from tests.lab.releases.jobs import events
from tests.lab.retention.helpers import write_sample

pytestmark = pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available()))
GBM = MONITORING.format(name="gbm")
PRODUCTION_ROWS = 120  # gbm's ten score bins hold 800 training records; here far fewer


def _run_once(world: World) -> dict[str, Any]:
    report = Housekeeper(world.lab).monitor_once()
    assert report is not None and len(report.succeeded) == 1, report
    run = runs_of(world, "a-eng", "gbm")[0]
    assert run["state"] == "succeeded", run
    return run


def _gated(world: World, run: dict[str, Any]) -> dict[str, Any]:
    return {g["plot"]: g for g in run["plot_gate"]}


def _set_min_cell_count(world: World, k: int) -> None:
    rules = world.get("root", "/v1/zones/production").json()["rules"]
    rules["disclosure"]["min_cell_count"] = k
    body = {"rules": rules, "comment": "stricter for monitoring"}
    changed = world.call("PUT", "root", "/v1/zones/production", json=body)
    assert changed.status_code == 200, changed.text


def _gate_events(world: World, run_id: str) -> dict[str, dict[str, Any]]:
    found = events(world, "output.gate", tenant="acme")
    return {e["details"]["output"]: e for e in found if e["details"].get("run") == run_id}


def test_the_gate_suppresses_small_score_bins_and_withholds_a_plot_it_empties(
    trained_world: World,
) -> None:
    world = trained_world
    asked = promote(world, "a-eng", 1)
    assert asked.status_code == 201, asked.text
    assert review(world, "carol", asked.json()["id"]).json()["state"] == "approved"
    write_sample(world.lab, zone="production", rows=PRODUCTION_ROWS)

    # the zone's minimum is 10: some score bins hold fewer production records
    run = _run_once(world)
    assert run["records"] == PRODUCTION_ROWS
    assert sorted(run["plots"]) == ["psi", "score_distribution"]
    gated = _gated(world, run)
    score = gated["score_distribution"]
    assert score["drawn"] and score["withheld"] is None
    small = [f for f in score["findings"] if f["rule"] == "min_cell_count"]
    assert small, score
    with world.lab.read() as session:
        row = session.get(MonitoringRun, run["id"])
        assert row is not None and row.plots_version_id is not None
        version_id = row.plots_version_id
    files = read_files(world.lab, version_id)
    table = json.loads(files["score_distribution.json"])
    for finding in small:
        assert (finding["severity"], finding["column"]) == ("fixed", "records")
        assert table[finding["row"]]["records"] is None  # drawn empty
        assert finding["label"] == table[finding["row"]]["bin"]
        assert finding["message"] == (
            f"{finding['label']}: fewer production records than the zone's minimum cell "
            "count of 10; suppressed"
        )
        assert "value" not in finding
    suppressed = {f["row"] for f in small}
    shown = [r["records"] for i, r in enumerate(table) if i not in suppressed]
    assert shown and all(c >= 10 and c % 5 == 0 for c in shown)  # kept, and rounded
    psi = json.loads(files["psi.json"])
    assert [r["feature"] for r in psi][:2] == ["sales", "rating"]
    assert all(r["records"] == PRODUCTION_ROWS for r in psi)
    assert gated["psi"]["drawn"] and gated["psi"]["findings"] == []

    # each gate decision is audited as an output's is, with rules, never a count
    audited = _gate_events(world, run["id"])
    assert set(audited) == {"psi", "score_distribution"}
    event = audited["score_distribution"]
    assert (event["actor"], event["decision"], event["outcome"]) == (
        "system:monitoring", "allow", "drawn",
    )  # fmt: skip
    assert "min_cell_count" in event["details"]["rules"]
    assert event["details"]["findings"] == len(score["findings"])
    assert event["details"]["dataset_version"] == version_id
    assert event["resource"].endswith(f"/monitoring/runs/{run['id']}/plots/score_distribution")

    picture = world.get("a-eng", f"{GBM}/runs/{run['id']}/plots/score_distribution")
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")

    # a minimum equal to the records: every score bin is under it, the PSI's records not;
    # the score plot is withheld, the run still succeeds, and asking for the plot says why
    _set_min_cell_count(world, PRODUCTION_ROWS)
    age_runs(world, "gbm")
    run = _run_once(world)
    gated = _gated(world, run)
    score = gated["score_distribution"]
    assert run["plots"] == ["psi"] and gated["psi"]["drawn"]
    assert not score["drawn"]
    assert score["withheld"] == (
        "the disclosure gate suppressed every production count it rests on (each under the "
        f"zone's minimum cell count of {PRODUCTION_ROWS})"
    )
    assert {f["rule"] for f in score["findings"]} == {"min_cell_count"}
    audited = _gate_events(world, run["id"])
    withheld = audited["score_distribution"]
    assert (withheld["decision"], withheld["outcome"]) == ("deny", "withheld")
    assert withheld["details"]["dataset_version"] is None
    assert audited["psi"]["outcome"] == "drawn"
    refused = world.get("a-eng", f"{GBM}/runs/{run['id']}/plots/score_distribution")
    assert refused.status_code == 409
    message = refused.json()["error"]["message"]
    assert message == (
        f"plot 'score_distribution' of monitoring run {run['id']!r} was withheld: "
        + score["withheld"]
    )
    assert world.get("a-eng", f"{GBM}/runs/{run['id']}/plots/psi").status_code == 200
    assert '"value"' not in json.dumps(run["plot_gate"])

    # the console's deployment page says so, and shows only the plot drawn
    client, _ = login(world, "a-eng")
    page = client.get("/console/models/acme/production/deployments/gbm")
    assert page.status_code == 200
    assert "withheld: the disclosure gate suppressed every production count" in page.text
    assert re.findall(r'/plots/(\w+)"', page.text) == ["psi"]
