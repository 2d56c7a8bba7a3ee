"""Builders for promotion tests: a Python job that trains and validates a LightGBM model in
the sandbox, the production dataset it targets, and the calls of the promotion API."""

from __future__ import annotations

from typing import Any

import yaml

from lab.authz import admin as policy_admin
from lab.settings import Settings
from tests.lab.factories import World
from tests.lab.models.test_registry_jobs import run
from tests.lab.retention.helpers import write_sample

MODELS = "/v1/tenants/acme/zones/sandbox/models"
DEPLOYED = "/v1/tenants/acme/zones/production/deployments"

TRAIN = """
import labjob
import lightgbm
import numpy as np

df = labjob.read_pandas("merchants")
X = df[["sales", "rating"]].astype(float)
rng = np.random.default_rng(SEED)
y = ((X["rating"] + rng.normal(0, 1, len(X))) > 2.5).astype(int).to_numpy()
gbm = lightgbm.LGBMClassifier(n_estimators=TREES, num_leaves=8, verbose=-1).fit(X, y)
labjob.save_model("gbm", gbm, target="bad")
# the artifact checks recount leaves on the whole input: the model is fitted on all of it
score = gbm.predict_proba(X)[:, 1]
labjob.validate_binary("gbm", y, score, train_score=score, bands=4)
"""

OUTPUTS = {
    "gbm": "model",
    "gbm_validation": "file",
    "gbm_calibration": "table",
    "gbm_bands": "table",
    "gbm_score_psi": "table",
    "gbm_roc": "file",
    "gbm_ks": "file",
    "gbm_score_distribution": "file",
    "metrics": "metrics",
}


def train(world: World, *, seed: int, trees: int) -> dict[str, Any]:
    """A job that trains `gbm` (a new version each time) and validates it."""
    code = TRAIN.replace("SEED", str(seed)).replace("TREES", str(trees))
    job = run(world, code, OUTPUTS)
    assert job["state"] == "succeeded", job
    return job


def trained(world: World) -> None:
    """The world the model tests start from (built once per run, `trained_world`): acme's
    merchants in its sandbox (800) and production (800), the bank globex's production
    merchants (300), and two versions of `gbm` trained and validated in acme's sandbox
    (seed 1 with 20 trees, seed 2 with 30), registered, nothing promoted."""
    write_sample(world.lab, rows=800)
    write_sample(world.lab, zone="production", rows=800)
    write_sample(world.lab, tenant="globex", zone="production", rows=300)
    train(world, seed=1, trees=20)
    train(world, seed=2, trees=30)


def make_compliance(world: World, user: str) -> None:
    """Give `user` the platform role compliance as well."""
    with world.lab.transaction() as session:
        policy_admin.assign_role(
            session, "system:test", policy_admin.RoleAssignment(user, "compliance", "*")
        )
    world.lab.policy.refresh(force=True)


def promote(world: World, who: str, version: int, **body: Any) -> Any:
    payload = {"dataset_tenant": "acme", "dataset": "merchants", "purpose": "score merchants"}
    payload.update(body)
    return world.post(who, f"{MODELS}/gbm/versions/{version}/promotions", json=payload)


def review(world: World, who: str, promotion_id: str, decision: str = "approve") -> Any:
    body = {"decision": decision, "comment": f"{decision}: gates and lineage checked"}
    return world.post(who, f"/v1/promotions/{promotion_id}/review", json=body)


def cli(world: World, who: str, *argv: str) -> tuple[int, str]:
    """`lab <argv>` as `who` against the world's lab."""
    return world.cli(who, *argv)


def production_rules(**promotion: Any) -> dict[str, Any]:
    """The production zone's file rules with the `promotion:` section changed."""
    path = Settings(_env_file=None).zones_dir / "production.yaml"  # type: ignore[call-arg]
    rules: dict[str, Any] = yaml.safe_load(path.read_text())
    rules["promotion"] = {**rules.get("promotion", {}), **promotion}
    return rules
