"""Effect monitoring end to end, on SQLite and PostgreSQL: two signed deployments watched by
the scheduler (ok on data like training's, an alert naming the drifted feature with an
audited status change, a due deployment run and one not due skipped), a run asked for
through the API and done by a worker (AUC and KS once outcomes exist), a tampered artifact
failing its run closed while the other deployment's run goes on, and reads refused to
another tenant and plots to an admin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from jobs.engines.python import sandbox_available
from lab.monitoring.models import MonitoringBaseline, MonitoringRun
from lab.monitoring.service import PNG_MAGIC
from lab.retention.scheduler import Housekeeper
from lab.work.handlers import HANDLERS
from lab.work.worker import Worker
from tests.lab.factories import World
from tests.lab.monitoring.helpers import (
    MONITORING,
    age_runs,
    cli,
    deploy_twin,
    runs_of,
    write_outcomes,
)
from tests.lab.promotions.helpers import promote, review
from tests.lab.promotions.tampering import flipped_artifact_byte
from tests.lab.releases.jobs import events
from tests.lab.retention.helpers import write_sample

pytestmark = pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available()))
GBM = MONITORING.format(name="gbm")


def _deploy_gbm(world: World) -> None:
    """gbm v1 (trained in the `trained_world`) promoted for acme's production merchants."""
    asked = promote(world, "a-eng", 1)
    assert asked.status_code == 201, asked.text
    assert review(world, "carol", asked.json()["id"]).json()["state"] == "approved"


def _statuses(world: World, name: str) -> list[tuple[str, str, str | None]]:
    """(trigger, state, status) of the model's runs, oldest first."""
    return [
        (r["trigger"], r["state"], r["status"]) for r in reversed(runs_of(world, "a-eng", name))
    ]


def test_monitoring_from_baseline_to_a_tampered_artifact(
    trained_world: World, tmp_path: Path
) -> None:
    world = trained_world  # acme's production merchants are as in training (800)
    _deploy_gbm(world)
    deploy_twin(world)
    keeper = Housekeeper(world.lab)

    # first round: both due (never run); a baseline each, and ok on unchanged data
    report = keeper.monitor_once()
    assert report is not None and len(report.succeeded) == 2 and report.failed == []
    assert _statuses(world, "gbm") == [("schedule", "succeeded", "ok")]
    assert _statuses(world, "twin") == [("schedule", "succeeded", "ok")]
    first = runs_of(world, "a-eng", "gbm")[0]
    assert [f["name"] for f in first["features"]] == ["sales", "rating"]
    assert all(f["psi"] < 0.01 for f in first["features"]) and first["score_psi"] < 0.01
    assert (first["auc"], first["ks"], first["labelled"]) == (None, None, 0)
    assert first["dataset"] == "acme/merchants" and first["records"] == 800
    assert sorted(first["plots"]) == ["psi", "score_distribution"]
    with world.lab.read() as session:
        baselines = list(session.scalars(sa.select(MonitoringBaseline)))
    assert len(baselines) == 2
    assert all(b.k == 10 and b.inputs[0]["zone"] == "sandbox" for b in baselines)
    assert all(b.profile["records"] == 800 and b.label_column is None for b in baselines)
    assert len(events(world, "model.monitoring.baseline", tenant="acme")) == 2
    started = events(world, "model.monitoring.status", tenant="acme")
    assert [(e["details"]["from"], e["details"]["to"]) for e in started] == [(None, "ok")] * 2

    # nothing is due within the interval
    assert keeper.monitor_once() is not None
    assert len(runs_of(world, "a-eng", "gbm")) == 1

    # production drifts (smaller sales); only gbm's interval has passed: gbm alerts, naming
    # the feature, with an audited change; twin is not due and not run
    write_sample(world.lab, zone="production", rows=300)
    age_runs(world, "gbm")
    report = keeper.monitor_once()
    assert report is not None and len(report.succeeded) == 1
    assert _statuses(world, "twin") == [("schedule", "succeeded", "ok")]
    drifted = runs_of(world, "a-eng", "gbm")[0]
    assert drifted["status"] == "alert" and drifted["dataset_version"] == 2
    subjects = {(r["metric"], r["subject"], r["level"]) for r in drifted["reasons"]}
    assert ("psi", "sales", "alert") in subjects
    change = events(world, "model.monitoring.status", tenant="acme")[-1]
    assert (change["details"]["from"], change["details"]["to"]) == ("ok", "alert")
    assert change["resource"] == "production/deployments/gbm/versions/1"
    assert any("sales" in reason for reason in change["details"]["reasons"])
    status = world.get("a-eng", GBM).json()
    assert (status["status"], status["deployment_version"]) == ("alert", 1)
    assert status["last_run"]["id"] == drifted["id"]

    # outcomes arrive: a run asked for through the API is queued, and a worker does it
    write_outcomes(world)
    assert world.post("a-eng", GBM + "/runs").status_code == 403
    assert world.post("g-owner", GBM + "/runs").status_code == 404
    asked = world.post("a-owner", GBM + "/runs")
    assert asked.status_code == 202, asked.text
    assert (asked.json()["state"], asked.json()["trigger"]) == ("queued", "request")
    assert world.post("a-owner", GBM + "/runs").status_code == 409  # one waits already
    assert len(events(world, "model.monitoring.request", tenant="acme")) == 1
    assert Worker(world.lab, HANDLERS).run_once() is not None
    labelled = world.get("a-eng", f"{GBM}/runs/{asked.json()['id']}").json()
    assert (labelled["state"], labelled["status"], labelled["labelled"]) == (
        "succeeded", "ok", 800,
    )  # fmt: skip
    assert labelled["auc"] > 0.8 and labelled["ks"] > 0.5
    back = events(world, "model.monitoring.status", tenant="acme")[-1]
    assert (back["details"]["from"], back["details"]["to"]) == ("alert", "ok")

    # gbm's artifact is tampered with: its run fails closed, recorded and audited, and
    # twin's run still happens in the same round
    age_runs(world, "gbm")
    age_runs(world, "twin")
    refusals = len([e for e in events(world, "model.load") if e["decision"] == "deny"])
    with flipped_artifact_byte(world.lab, "gbm", 1):
        report = keeper.monitor_once()
    assert report is not None and len(report.succeeded) == 1 and len(report.failed) == 1
    failed = runs_of(world, "a-eng", "gbm")[0]
    assert failed["state"] == "failed" and failed["status"] is None
    assert "refused" in failed["message"]
    assert _statuses(world, "twin")[-1] == ("schedule", "succeeded", "ok")
    assert len([e for e in events(world, "model.load") if e["decision"] == "deny"]) == refusals + 1
    ended = events(world, "model.monitoring.run", tenant="acme")
    assert ended[-2]["outcome"] == "failed" and ended[-2]["details"]["run"] == failed["id"]
    assert ended[-1]["outcome"] == "ok" and ended[-1]["details"]["status"] == "ok"
    status = world.get("a-eng", GBM).json()
    assert status["status"] == "ok" and status["last_run"]["state"] == "failed"

    _reads_are_guarded(world, drifted)
    _through_the_cli(world, drifted, tmp_path)


def _reads_are_guarded(world: World, run: dict[str, Any]) -> None:
    run_url = f"{GBM}/runs/{run['id']}"
    plot = world.get("a-eng", run_url + "/plots/psi")
    assert plot.status_code == 200 and plot.headers["content-type"] == "image/png"
    assert plot.content.startswith(PNG_MAGIC)
    assert world.get("a-eng", run_url + "/plots/roc").status_code == 404
    # an admin reads status and runs (metadata), never the plots
    assert world.get("root", GBM).status_code == 200
    assert world.get("root", run_url).json()["status"] == "alert"
    assert world.get("root", run_url + "/plots/psi").status_code == 403
    # another tenant's people see nothing, as if there were no such deployment
    for who in ("g-owner", "g-eng"):
        for url in (GBM, GBM + "/runs", run_url, run_url + "/plots/psi"):
            assert world.get(who, url).status_code == 404, (who, url)
    # a run id of another model is not found under this one
    assert (
        world.get("a-eng", f"{MONITORING.format(name='twin')}/runs/{run['id']}").status_code == 404
    )
    with world.lab.read() as session:
        stored = session.get(MonitoringRun, run["id"])
    assert stored is not None and stored.plots_version_id is not None


def _through_the_cli(world: World, run: dict[str, Any], tmp_path: Path) -> None:
    code, out = cli(world, "a-eng", "monitoring", "status", "gbm", "--tenant", "acme")
    assert code == 0 and "gbm of acme" in out and ": ok" in out and "failed" in out, out
    code, out = cli(world, "a-eng", "monitoring", "show", "gbm", run["id"], "--tenant", "acme")
    assert code == 0 and "status alert" in out and "psi sales" in out, out
    code, out = cli(world, "a-eng", "monitoring", "runs", "gbm", "--tenant", "acme")
    assert code == 0 and run["id"] in out, out
    png = tmp_path / "psi.png"
    argv = ("monitoring", "plot", "gbm", run["id"], "psi", "--out", str(png), "--tenant", "acme")
    code, out = cli(world, "a-eng", *argv)
    assert code == 0 and png.read_bytes().startswith(PNG_MAGIC), out
    code, out = cli(world, "root", *argv)
    assert code == 1 and "not allowed" in out, out
    code, out = cli(world, "a-eng", "monitoring", "run", "gbm", "--tenant", "acme")
    assert code == 1, out
    code, out = cli(world, "a-owner", "monitoring", "run", "gbm", "--tenant", "acme")
    assert code == 0 and "queued" in out, out
