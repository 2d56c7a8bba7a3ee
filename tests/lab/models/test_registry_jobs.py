"""Models end to end: a Python job trains in the sandbox and saves; the registry checks what
it left without running code, stores it encrypted, and shows it to the tenant only."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta
from typing import Any

import pytest
import yaml

from jobs.engines.python import sandbox_available
from lab.db.base import utcnow
from lab.retention.destroyer import Destroyer
from lab.runs.artifacts import read_files
from lab.storage import VersionInfo
from lab.storage.catalog import get_version
from lab.work.handlers import HANDLERS
from lab.work.worker import Worker
from tests.lab.factories import World
from tests.lab.retention.helpers import events, write_sample

pytestmark = pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available()))
JOBS = "/v1/tenants/acme/zones/sandbox/jobs"
MODELS = "/v1/tenants/acme/zones/sandbox/models"

TRAIN = """
import labjob
import lightgbm
import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

df = labjob.read_pandas("merchants")
X = df[["sales", "rating"]].astype(float)
y = (df["rating"] + (df["sales"] % 7) / 7 > 2.5).astype(int)
gbm = lightgbm.LGBMClassifier(n_estimators=20, num_leaves=8, verbose=-1).fit(X, y)
lr = LogisticRegression(max_iter=500).fit(X, y)
labjob.save_model("gbm", gbm, target="bad")
labjob.save_model("logit", lr, target="bad")
labjob.log_metric("auc_gbm", roc_auc_score(y, gbm.predict_proba(X)[:, 1]))
labjob.log_metric("auc_logit", roc_auc_score(y, lr.predict_proba(X)[:, 1]))
fig, ax = plt.subplots()
ax.hist(gbm.predict_proba(X)[:, 1], bins=10)
fig.savefig(labjob.outputs_dir() / "roc.png")
"""

EVIL = """
import json, pickle
import labjob

class Payload:
    def __reduce__(self):
        return (exec, ("open(%r, 'w').write('pwned')",))

folder = labjob.outputs_dir() / "models"
(folder / "evil").mkdir(parents=True)
(folder / "evil" / "model.pkl").write_bytes(pickle.dumps(Payload()))
(folder / "sneaky").mkdir()
(folder / "sneaky" / "model.json").write_text(json.dumps({
    "name": "sneaky", "flavour": "onnx", "artifact": "model.onnx",
    "features": [{"name": "sales", "type": "numeric"}]}))
(folder / "sneaky" / "model.onnx").write_bytes(pickle.dumps(Payload()))
(folder / "loner.joblib").write_bytes(pickle.dumps(Payload()))
(folder / "extra").mkdir()
labjob.save_model("extra", {"format": "lab-scorecard/1", "base_points": 600.0, "features": [
    {"name": "rating", "type": "numeric", "missing_points": 0.0,
     "bins": [{"lower": None, "upper": 2.5, "points": -20.0, "count": 40},
              {"lower": 2.5, "upper": None, "points": 30.0, "count": 60}]}]})
(folder / "extra" / "state.pkl").write_bytes(pickle.dumps(Payload()))
labjob.write_table("by_city", labjob.read_pandas("merchants").groupby("city").size()
                   .reset_index(name="n"))
"""


def bundle(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("train.py", code)
    return buffer.getvalue()


def spec(outputs: dict[str, str]) -> str:
    return yaml.safe_dump(
        {
            "name": "train",
            "zone": "sandbox",
            "engine": "python",
            "inputs": {"merchants": {"dataset": "merchants"}},
            "code": {"entrypoint": "train.py"},
            "outputs": {
                name: {"sensitivity": "moderately_sensitive", "kind": kind}
                for name, kind in outputs.items()
            },
            "resources": {"wall_seconds": 120, "memory_mb": 2048},
        }
    )


def run(world: World, code: str, outputs: dict[str, str]) -> dict[str, Any]:
    response = world.post(
        "a-eng",
        JOBS,
        files={"spec": ("job.yaml", spec(outputs).encode()), "bundle": ("b.zip", bundle(code))},
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert Worker(world.lab, HANDLERS).run_once() == job_id
    status: dict[str, Any] = world.get("a-eng", f"{JOBS}/{job_id}").json()
    return status


TRAINED = {"gbm": "model", "logit": "model", "roc": "file", "metrics": "metrics"}


def test_a_job_trains_two_models_and_both_are_registered_encrypted_and_tenant_only(
    world: World,
) -> None:
    sample = write_sample(world.lab, rows=600)
    job = run(world, TRAIN, TRAINED)
    assert job["state"] == "succeeded", job
    assert job["outputs"]["gbm"]["model"] == {"name": "gbm", "version": 1, "flavour": "lightgbm"}
    assert job["outputs"]["logit"]["model"] == {"name": "logit", "version": 1, "flavour": "onnx"}

    listed = world.get("a-eng", MODELS).json()
    assert [(m["name"], m["versions"]) for m in listed] == [("gbm", 1), ("logit", 1)]
    flavours = (("gbm", "lightgbm", "model.txt"), ("logit", "onnx", "model.onnx"))
    for name, flavour, artifact in flavours:
        v = world.get("a-eng", f"{MODELS}/{name}/versions/1").json()
        assert (v["status"], v["flavour"], v["target"]) == ("registered", flavour, "bad")
        assert v["input_schema"] == [
            {"name": "sales", "type": "numeric"},
            {"name": "rating", "type": "numeric"},
        ]
        assert v["details"]["n_features"] == 2
        assert v["lineage"]["job_id"] == job["id"]
        assert v["lineage"]["inputs"]["merchants"]["version_id"] == sample.id
        assert v["lineage"]["spec"]["outputs"][name]["kind"] == "model"
        assert len(v["lineage"]["code_hash"]) == 64
        assert v["plots"] == ["roc"]
        metrics = world.get("a-eng", f"{MODELS}/{name}/versions/1/metrics").json()
        assert 0.5 < metrics["auc_gbm"] <= 1 and 0.5 < metrics["auc_logit"] <= 1
        png = world.get("a-eng", f"{MODELS}/{name}/versions/1/plots/roc")
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n")

        # the artifact decrypts to what was hashed, and is stored encrypted at rest
        stored = read_files(world.lab, v["artifact"]["version_id"])
        content = stored[artifact]
        assert hashlib.sha256(content).hexdigest() == v["artifact"]["sha256"]
        with world.lab.read() as session:
            info = VersionInfo.of(get_version(session, v["artifact"]["version_id"]))
        on_disk = b"".join(
            (world.lab.settings.home / info.storage_path / f["name"]).read_bytes()
            for f in info.files
        )
        for plain in (content[:64], b"skl2onnx", b"feature_names=sales rating", b"features"):
            assert plain not in on_disk

    registered = events(world.lab, "model.register", tenant="acme")
    assert sorted(e["resource"] for e in registered) == [
        "sandbox/models/gbm/versions/1",
        "sandbox/models/logit/versions/1",
    ]

    # another tenant's engineer finds nothing, on every model route
    for path in (
        "",
        "/gbm",
        "/gbm/versions",
        "/gbm/versions/1",
        "/gbm/versions/1/metrics",
        "/gbm/versions/1/plots",
        "/gbm/versions/1/plots/roc",
    ):
        assert world.get("g-eng", MODELS + path).status_code == 404, path
        assert world.get("a-viewer", MODELS + path).status_code == 200, path
    # admins read model metadata, not the plots; compliance reads both
    assert world.get("root", f"{MODELS}/gbm/versions/1").status_code == 200
    assert world.get("root", f"{MODELS}/gbm/versions/1/plots/roc").status_code == 403
    assert world.get("carol", f"{MODELS}/gbm/versions/1/plots/roc").status_code == 200

    # the tenant's owner retires a version (an engineer may not); it stays readable
    retire = f"{MODELS}/gbm/versions/1/retire"
    assert world.post("a-eng", retire, json={"reason": "superseded"}).status_code == 403
    assert world.post("g-owner", retire, json={"reason": "superseded"}).status_code == 404
    retired = world.post("a-owner", retire, json={"reason": "superseded"})
    assert (retired.status_code, retired.json()["status"]) == (200, "retired")
    assert world.post("a-owner", retire, json={"reason": "again"}).status_code == 409
    assert world.get("a-eng", f"{MODELS}/gbm").json()["latest"]["status"] == "retired"
    assert [e["actor"] for e in events(world.lab, "model.retire")] == ["a-owner"]

    # the zone's model_days run out: the scheduler destroys the artifact like any dataset
    report = Destroyer(world.lab).run_once(now=utcnow() + timedelta(days=3650))
    assert v["artifact"]["version_id"] in report.destroyed
    assert world.get("a-eng", f"{MODELS}/logit/versions/1").json()["status"] == "destroyed"


def test_a_pickle_in_a_model_folder_is_refused_and_never_deserialized(
    sqlite_world: World, tmp_path: Any
) -> None:
    world = sqlite_world
    write_sample(world.lab, rows=300)
    marker = tmp_path / "pwned"
    code = EVIL.replace("%r", repr(str(marker)))
    outputs = {"evil": "model", "sneaky": "model", "loner": "model", "extra": "model"}
    job = run(world, code, {**outputs, "by_city": "table"})
    assert job["state"] == "succeeded", job
    rules = {name: job["outputs"][name]["findings"][0]["rule"] for name in outputs}
    assert rules == {
        "evil": "model_format",  # no model.json: not a model
        "sneaky": "model_format",  # says ONNX, holds a pickle
        "loner": "model_format",  # a lone file, not a model folder
        "extra": "model_files",  # a good scorecard with a pickle beside it
    }
    assert all(job["outputs"][n]["disposition"] == "refused" for n in outputs)
    assert job["outputs"]["by_city"]["disposition"] == "review"  # the other output is unaffected
    assert not marker.exists()
    assert world.get("a-eng", MODELS).json() == []
    refused = events(world.lab, "model.refuse", tenant="acme")
    assert len(refused) == 4 and all(e["decision"] == "deny" for e in refused)
