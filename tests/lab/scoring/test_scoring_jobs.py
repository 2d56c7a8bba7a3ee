"""Production scoring through the API, on SQLite and PostgreSQL: a partner's deployed model
scores the bank's hosted merchants; the row-level scores land with the bank only, the band
aggregates go to review and leave after two approvals; a tampered artifact refuses the job;
every step is audited."""

from __future__ import annotations

import pytest

from jobs.engines.python import sandbox_available
from tests.jobs.test_sql_process import cgroups_here
from tests.lab.factories import World
from tests.lab.promotions.tampering import flipped_artifact_byte
from tests.lab.releases.jobs import events
from tests.lab.retention.helpers import stored_rows
from tests.lab.scoring.helpers import (
    BANK_DATASETS,
    PRODUCTION_JOBS,
    deployed_model,
    run_score,
    score_spec,
    submit,
)

pytestmark = pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available()))
PRODUCTION = "/v1/tenants/acme/zones/production"
QUEUE = "/v1/zones/production/releases"


def test_a_deployed_model_scores_the_bank_data_for_the_bank_and_aggregates_for_the_partner(
    trained_world: World,
) -> None:
    world = trained_world
    deployed_model(world)
    job = run_score(world)
    assert job["state"] == "succeeded", job
    assert job["engine"] == "score"

    # lineage: the deployment that scored, its manifest's and artifact's hashes
    deployment = world.get("a-eng", f"{PRODUCTION}/deployments/gbm").json()[0]
    model = job["model"]
    assert (model["name"], model["version"], model["rows"]) == ("gbm", 1, 300)
    assert model["deployment_id"] == deployment["id"]
    assert model["artifact_sha256"] == deployment["manifest"]["artifact_sha256"]
    assert len(model["manifest_sha256"]) == 64 and model["runner"] == "duckdb"

    # row-level scores: kept, stored with the bank (the data owner), never the partner
    scores = job["outputs"]["scores"]
    assert (scores["disposition"], scores["tenant"], scores["rows"]) == ("kept", "globex", 300)
    rows = stored_rows(world.lab, scores["version_id"])
    assert set(rows[0]) == {"merchant_id", "score", "band"}
    assert all(0 <= r["score"] <= 1 and 1 <= r["band"] <= 5 for r in rows)
    bank = world.get("g-owner", f"{BANK_DATASETS}/{scores['dataset']}")
    assert bank.status_code == 200 and bank.json()[0]["rows"] == 300
    assert bank.json()[0]["destroy_at"] is not None  # the zone's retention applies

    # the partner's aggregates: per band, counts rounded, no key, in review
    bands = job["outputs"]["bands"]
    assert (bands["disposition"], bands["tenant"]) == ("review", "acme")
    table = stored_rows(world.lab, bands["version_id"])
    assert "merchant_id" not in table[0] and "approval_rate" in table[0]
    counted = [r["record_count"] for r in table if r["record_count"] is not None]
    assert all(c % 5 == 0 and c >= 10 for c in counted) and sum(counted) > 0

    # each step audited: submission, the verified load, the gate's two decisions
    assert events(world, "job.submit", tenant="acme")[-1]["details"]["model"]["name"] == "gbm"
    loads = events(world, "model.load", tenant="acme")
    assert loads[-1]["decision"] == "allow"
    assert loads[-1]["resource"] == "production/deployments/gbm/versions/1"
    gated = {
        e["details"]["output"]: e["outcome"]
        for e in events(world, "output.gate", zone="production")
    }
    assert gated == {"scores": "kept", "bands": "review"}

    # the aggregates leave after two distinct approvals; the rows never
    fetch = f"{PRODUCTION_JOBS}/{job['id']}/outputs"
    assert world.get("a-owner", f"{fetch}/bands").status_code == 409
    ask = {"job_id": job["id"], "outputs": ["scores"], "purpose": "partner report"}
    assert world.post("a-owner", f"{PRODUCTION}/releases", json=ask).status_code in (400, 409)
    ask["outputs"] = ["bands"]
    request = world.post("a-owner", f"{PRODUCTION}/releases", json=ask)
    assert request.status_code == 201, request.text
    assert request.json()["required_approvals"] == 2
    world.user("otto", roles=["output_checker"])
    review = f"{QUEUE}/{request.json()['id']}/review"
    for who, state in (("carol", "pending"), ("otto", "released")):
        body = {"decision": "approve", "comment": "bands of at least 10, rounded"}
        decided = world.post(who, review, json=body)
        assert decided.json()["state"] == state, decided.text
    released = world.get("a-owner", f"{fetch}/bands")
    assert released.status_code == 200
    assert len(events(world, "release.publish")) == 1


def test_the_partner_never_reads_the_row_level_scores(trained_world: World) -> None:
    world = trained_world
    deployed_model(world)
    job = run_score(world)
    scores = job["outputs"]["scores"]
    # not through the job's outputs, not as a dataset of the bank, not as a job's input
    for who in ("a-owner", "a-eng"):
        out = world.get(who, f"{PRODUCTION_JOBS}/{job['id']}/outputs/scores")
        assert out.status_code in (403, 404, 409), (who, out.status_code)
        assert "merchant_id" not in out.text
        found = world.get(who, f"{BANK_DATASETS}/{scores['dataset']}")
        assert found.status_code in (403, 404), (who, found.status_code)
    listed = world.get("a-owner", f"{PRODUCTION}/datasets").json()
    assert scores["dataset"] not in {d["name"] for d in listed}
    sql = {
        "name": "peek",
        "zone": "production",
        "engine": "sql",
        "inputs": {"s": {"dataset": scores["dataset"], "tenant": "globex"}},
        "code": {"query": "SELECT count(*) AS n FROM s"},
        "outputs": {"n": {"sensitivity": "moderately_sensitive", "kind": "table"}},
    }
    peek = submit(world, spec=__import__("json").dumps(sql))
    assert peek.status_code in (403, 404), peek.text
    # another tenant's model cannot be named: globex has no deployment of gbm
    other = world.post(
        "g-owner",
        "/v1/tenants/globex/zones/production/jobs",
        files={"spec": ("s.yaml", score_spec().replace("tenant: globex", "tenant: globex"))},
    )
    assert other.status_code == 202
    from lab.work.handlers import HANDLERS
    from lab.work.worker import Worker

    Worker(world.lab, HANDLERS).run_once()
    refused = world.get("g-owner", f"/v1/tenants/globex/zones/production/jobs/{other.json()['id']}")
    assert refused.json()["status"] == "conflict" and "gbm" in refused.json()["message"]


def test_a_tampered_artifact_refuses_the_job_and_is_audited(trained_world: World) -> None:
    world = trained_world
    deployed_model(world)
    with flipped_artifact_byte(world.lab, "gbm", 1):
        job = run_score(world)
    assert (job["state"], job["status"]) == ("failed", "conflict"), job
    assert "artifact" in job["message"]
    denied = [e for e in events(world, "model.load") if e["decision"] == "deny"]
    assert len(denied) == 1 and denied[0]["actor"] == "a-owner"
    assert denied[0]["resource"] == "production/deployments/gbm/versions/1"
    bank = world.get("g-owner", BANK_DATASETS).json()
    assert [d["name"] for d in bank] == ["merchants"]  # nothing was scored or stored

    # a scoring child killed at the job's wall clock ends the job, not the worker
    killed = run_score(world, resources={"wall_seconds": 1})
    assert (killed["state"], killed["status"]) == ("failed", "limit-exceeded"), killed
    if cgroups_here():  # and one that outgrows its memory is killed by the kernel, alone
        starved = run_score(world, resources={"memory_mb": 64})
        assert (starved["state"], starved["status"]) == ("failed", "limit-exceeded"), starved
        assert "64 MB of memory" in starved["message"]
    assert run_score(world)["state"] == "succeeded"  # the same worker scores the next job


@pytest.mark.parametrize(
    ("where", "change", "expected"),
    [
        ("sandbox", {}, "engine: score is not allowed in zone sandbox"),
        ("production", {"code": {"query": "SELECT 1"}}, "carries no code"),
        ("production", {"model": None}, "model"),
        ("production", {"outputs": {"x": {"sensitivity": "highly_sensitive"}}}, "implied"),
        ("production", {"score": {"key": "k", "label": "k"}}, "label"),
    ],
)
def test_score_specs_that_are_refused(
    sqlite_world: World, where: str, change: dict[str, object], expected: str
) -> None:
    import yaml

    spec = {**yaml.safe_load(score_spec()), "zone": where, **change}
    spec = {k: v for k, v in spec.items() if v is not None}
    url = f"/v1/tenants/acme/zones/{where}/jobs"
    files = {"spec": ("s.yaml", yaml.safe_dump(spec).encode())}
    answer = sqlite_world.post("a-owner", url, files=files)
    assert answer.status_code == 400, answer.text
    assert expected in answer.json()["error"]["message"]


def test_an_uploaded_artifact_is_refused(sqlite_world: World) -> None:
    answer = submit(sqlite_world, bundle=("model.zip", b"PK\x05\x06" + b"\x00" * 18))
    assert answer.status_code == 400
    assert "deployed model by name" in answer.json()["error"]["message"]
