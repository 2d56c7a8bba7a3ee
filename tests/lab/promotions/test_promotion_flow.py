"""Promotion end to end through the API: train and validate in the sandbox, ask, fail a
gate with reasons, be refused as the wrong reviewer, be approved by a compliance officer,
deploy with a signed manifest that the exported public key verifies, refuse a tampered
deployment, roll back. Every step is audited."""

from __future__ import annotations

import base64
from typing import Any

import pyarrow as pa
import pytest

from jobs.engines.python import sandbox_available
from jobs.models import manifest as manifests
from lab.auditing import Actor
from lab.datasets.service import write_dataset
from lab.errors import Conflict
from lab.models.deployed import load_deployed
from lab.runs.artifacts import read_files
from tests.lab.factories import World
from tests.lab.promotions.helpers import (
    DEPLOYED,
    MODELS,
    cli,
    make_compliance,
    production_rules,
    promote,
    review,
)
from tests.lab.promotions.tampering import TAMPERINGS
from tests.lab.releases.jobs import events

pytestmark = pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available()))
WORKER = Actor("system:worker")


def write_thin(world: World) -> None:
    """A production dataset of acme whose `sales` is text and that has no `rating`."""
    schema = pa.schema([("merchant_id", pa.string()), ("sales", pa.string())])
    batch = pa.record_batch([pa.array(["M1", "M2"]), pa.array(["1", "2"])], schema=schema)
    write_dataset(
        world.lab,
        Actor("a-owner"),
        tenant="acme",
        zone="production",
        name="thin",
        batches=[batch],
        schema=schema,
    )


def _refusals(world: World) -> list[dict[str, Any]]:
    return [e for e in events(world, "model.load") if e["decision"] == "deny"]


def test_promotion_from_training_to_rollback(trained_world: World) -> None:
    world = trained_world  # gbm v1 and v2 trained and validated in acme's sandbox
    version = world.get("a-eng", f"{MODELS}/gbm/versions/1").json()
    metrics = version["metrics"]
    assert {"gbm_auc", "gbm_ks", "gbm_psi"} <= set(metrics)
    registered = events(world, "model.register", tenant="acme")
    assert [e["resource"] for e in registered] == [
        "sandbox/models/gbm/versions/1",
        "sandbox/models/gbm/versions/2",
    ]

    # a gate fails: the zone asks for more AUC than the model has; every reason is given
    strict = production_rules(min_auc=0.999, min_ks=0.99)
    assert world.call("PUT", "root", "/v1/zones/production", json={"rules": strict}).is_success
    failed = promote(world, "a-eng", 1)
    assert failed.status_code == 400, failed.text
    message = failed.json()["error"]["message"]
    assert "metric:auc" in message and "metric:ks" in message and "2 promotion gate" in message
    refused = events(world, "promotion.refuse", tenant="acme")
    assert len(refused) == 1 and refused[0]["outcome"] == "refused"
    assert world.get("a-eng", "/v1/tenants/acme/promotions").json() == []
    relaxed = {"rules": production_rules(), "comment": "back to the file's gates"}
    assert world.call("PUT", "root", "/v1/zones/production", json=relaxed).is_success
    # a production dataset without the features, as stored: the schema gate says which
    write_thin(world)
    thin = promote(world, "a-eng", 1, dataset="thin")
    assert thin.status_code == 400
    assert "feature 'sales' is numeric, the production column is string" in thin.text
    assert "feature 'rating' is not a column of thin v1" in thin.text

    # another tenant's model, or another tenant's production dataset: nothing is there
    assert promote(world, "g-eng", 1).status_code == 404
    assert promote(world, "a-eng", 1, dataset_tenant="globex").status_code == 404
    assert len(events(world, "promotion.refuse", tenant="acme")) == 2

    # asked by the engineer: pending, every gate passed and kept with the request
    asked = promote(world, "a-eng", 1)
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["state"] == "pending" and request["required_approvals"] == 1
    gates = {g["gate"]: g["passed"] for g in request["gates"]}
    assert gates == {
        "metric:auc": True,
        "metric:ks": True,
        "metric:psi": True,
        "schema": True,
        "artifact": True,
    }
    assert events(world, "promotion.request")[-1]["resource"] == (
        f"production/promotions/{request['id']}"
    )
    again = promote(world, "a-eng", 1)
    assert again.status_code == 409  # one pending request per model version
    # a promotion is not a release: the airlock's release routes do not know it
    as_release = f"/v1/zones/production/releases/{request['id']}/review"
    body = {"decision": "approve", "comment": "via releases"}
    assert world.post("carol", as_release, json=body).status_code == 404

    # the wrong people are refused: the engineer, an admin, the author even as compliance
    assert review(world, "a-eng", request["id"]).status_code == 403
    assert review(world, "root", request["id"]).status_code == 403
    denied = [e for e in events(world, "access.review") if e["decision"] == "deny"]
    assert {(e["actor"], e["resource"]) for e in denied} == {
        (who, f"production/promotions/{request['id']}") for who in ("a-eng", "root")
    }
    world.user("dana", tenant="acme", roles=["owner"])
    make_compliance(world, "dana")
    own = promote(world, "dana", 2)
    assert own.status_code == 201, own.text
    by_author = review(world, "dana", own.json()["id"])
    assert by_author.status_code == 403
    assert "author" in by_author.json()["error"]["message"]
    refusal = events(world, "promotion.review")[-1]
    assert (refusal["actor"], refusal["outcome"]) == ("dana", "refused")

    # a compliance officer who is not the requester approves: signed and deployed at once
    approved = review(world, "carol", request["id"])
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved" and approved.json()["deployment_id"]
    assert review(world, "carol", request["id"]).status_code == 409  # approving twice
    deployed = world.get("a-eng", DEPLOYED + "/gbm").json()
    assert [(d["version"], d["status"]) for d in deployed] == [(1, "active")]
    first = deployed[0]
    assert first["manifest"]["approvers"] == ["carol"]
    assert first["manifest"]["requested_by"] == "a-eng"
    assert first["manifest"]["artifact_sha256"] == version["artifact"]["sha256"]
    assert first["manifest"]["code_hash"] == version["lineage"]["code_hash"]
    deploy_event = events(world, "model.deploy", tenant="acme")[-1]
    assert deploy_event["resource"] == "production/deployments/gbm/versions/1"

    # the exported public key verifies the stored signature over the artifact
    pem = world.get("carol", "/v1/promotions/public-key")
    assert pem.status_code == 200 and pem.text.startswith("-----BEGIN PUBLIC KEY-----")
    signed = manifests.SignedManifest(
        payload=base64.b64decode(first["signed_payload"]),
        signature=base64.b64decode(first["signature"]),
        key_id=first["key_id"],
    )
    artifact = read_files(world.lab, version["artifact"]["version_id"])["model.txt"]
    checked = manifests.verify(signed, manifests.load_public_key(pem.text), artifact)
    assert cli(world, "carol", "keys", "export-promotion-key") == (0, pem.text)
    code, shown = cli(world, "a-eng", "deployments", "list", "--tenant", "acme")
    assert code == 0 and "gbm" in shown and "active" in shown
    assert checked.model_version == 1 and checked.production_dataset.dataset == "acme/merchants"

    # a production job loads the active deployment, verified, and scores with it
    loaded = load_deployed(world.lab, WORKER, tenant="acme", name="gbm")
    batch = pa.record_batch({"sales": [1.0, 500.0], "rating": [0.5, 4.5]})
    scores = loaded.scorer.score(batch).to_pylist()
    assert (loaded.version, loaded.flavour, len(scores)) == (1, "lightgbm", 2)
    assert scores[0] < scores[1]
    assert loaded.training_inputs == checked.model_dump(mode="json")["lineage"]["inputs"]
    assert events(world, "model.load")[-1]["decision"] == "allow"

    # a rejected request cannot be approved afterwards; another request deploys version 2
    assert review(world, "carol", own.json()["id"], "reject").json()["state"] == "rejected"
    assert review(world, "root", own.json()["id"]).status_code == 403
    assert review(world, "carol", own.json()["id"]).status_code == 409
    second = promote(world, "a-eng", 2).json()
    assert review(world, "dana", second["id"]).json()["state"] == "approved"
    deployed = world.get("a-owner", DEPLOYED + "/gbm").json()
    assert [(d["version"], d["status"]) for d in deployed] == [(2, "active"), (1, "superseded")]
    assert load_deployed(world.lab, WORKER, tenant="acme", name="gbm").version == 2

    # tampered or unsigned: refused, and each refusal audited
    for tamper, reason in TAMPERINGS:
        before = len(_refusals(world))
        with tamper(world.lab, "gbm", 2), pytest.raises(Conflict) as refused_load:
            load_deployed(world.lab, WORKER, tenant="acme", name="gbm")
        assert reason in str(refused_load.value), (tamper.__name__, refused_load.value)
        after = _refusals(world)
        assert len(after) == before + 1, tamper.__name__
        assert after[-1]["resource"] == "production/deployments/gbm/versions/2"
    assert load_deployed(world.lab, WORKER, tenant="acme", name="gbm").version == 2

    # roll back to the earlier promoted version: the owner may, the engineer may not
    body = {"version": 1, "reason": "version 2 drifts"}
    assert world.post("a-eng", DEPLOYED + "/gbm/rollback", json=body).status_code == 403
    assert world.post("g-owner", DEPLOYED + "/gbm/rollback", json=body).status_code == 404
    back = world.post("a-owner", DEPLOYED + "/gbm/rollback", json=body)
    assert back.status_code == 200, back.text
    statuses = [(d["version"], d["status"]) for d in world.get("a-eng", DEPLOYED).json()]
    assert statuses == [(2, "rolled_back"), (1, "active")]
    assert load_deployed(world.lab, WORKER, tenant="acme", name="gbm").version == 1
    rolled = events(world, "deployment.rollback", tenant="acme")
    assert [(e["actor"], e["details"]["to_version"]) for e in rolled] == [("a-owner", 1)]

    # retired: nothing of the name loads
    retired = world.post("a-owner", DEPLOYED + "/gbm/retire", json={"reason": "replaced"})
    assert retired.json()["status"] == "retired"
    with pytest.raises(Conflict):
        load_deployed(world.lab, WORKER, tenant="acme", name="gbm")
    assert len(events(world, "deployment.retire", tenant="acme")) == 1


def test_two_approvals_need_two_distinct_compliance_officers(
    trained_sqlite_world: World,
) -> None:
    world = trained_sqlite_world
    rules = {"rules": production_rules(approvals=2), "comment": "four eyes, twice"}
    assert world.call("PUT", "root", "/v1/zones/production", json=rules).is_success
    world.user("erin", roles=["compliance"])

    request = promote(world, "a-eng", 1).json()
    assert request["required_approvals"] == 2
    first = review(world, "carol", request["id"]).json()
    assert (first["state"], first["approvals"], first["deployment_id"]) == ("pending", 1, None)
    assert world.get("a-eng", DEPLOYED).json() == []
    twice = review(world, "carol", request["id"])
    assert twice.status_code == 403 and "already decided" in twice.json()["error"]["message"]

    second = review(world, "erin", request["id"]).json()
    assert (second["state"], second["approvals"]) == ("approved", 2)
    (deployment,) = world.get("a-eng", DEPLOYED).json()
    assert deployment["manifest"]["approvers"] == ["carol", "erin"]
    assert load_deployed(world.lab, WORKER, tenant="acme", name="gbm").version == 1
    reviews = events(world, "promotion.review", tenant="acme")
    assert [(e["actor"], e["outcome"]) for e in reviews] == [
        ("carol", "ok"),
        ("carol", "refused"),
        ("erin", "ok"),
    ]
