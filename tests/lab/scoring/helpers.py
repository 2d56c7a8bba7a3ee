"""Builders for production scoring tests: a bank (globex) hosts the production merchants, a
partner (acme) trains in its sandbox, is let read and target that one dataset, promotes, and
submits scoring jobs that name its deployed model."""

from __future__ import annotations

from typing import Any

import yaml

from lab.authz import admin as policy_admin
from lab.work.handlers import HANDLERS
from lab.work.worker import Worker
from tests.lab.factories import World
from tests.lab.promotions.helpers import promote, review

PRODUCTION_JOBS = "/v1/tenants/acme/zones/production/jobs"
BANK_DATASETS = "/v1/tenants/globex/zones/production/datasets"


def share_with_partner(world: World) -> None:
    """The bank lets the partner's people read and target its production merchants, and
    nothing else of the bank (a role of the bank's tenant, for two of acme's people)."""
    with world.lab.transaction() as session:
        for action in ("read", "promote"):
            rule = policy_admin.Rule(
                "partner", "globex", "production/datasets/merchants", action, "allow"
            )
            policy_admin.add_rule(session, "system:test", rule)
        for who in ("a-eng", "a-owner"):
            assignment = policy_admin.RoleAssignment(who, "partner", "globex")
            policy_admin.assign_role(session, "system:test", assignment)
    world.lab.policy.refresh(force=True)


def deployed_model(world: World) -> None:
    """In a `trained_world`: the partner's `gbm` v1 promoted and deployed for the bank's
    300 production merchants."""
    share_with_partner(world)
    asked = promote(world, "a-eng", 1, dataset_tenant="globex")
    assert asked.status_code == 201, asked.text
    approved = review(world, "carol", asked.json()["id"])
    assert approved.json()["state"] == "approved", approved.text


def score_spec(resources: dict[str, Any] | None = None, **score: Any) -> str:
    settings = {"key": "merchant_id", "edges": [0.2, 0.4, 0.6, 0.8], "cutoff": 0.5, **score}
    return yaml.safe_dump(
        {
            **({"resources": resources} if resources else {}),
            "name": "score-merchants",
            "zone": "production",
            "engine": "score",
            "model": {"name": "gbm"},
            "inputs": {"merchants": {"dataset": "merchants", "tenant": "globex"}},
            "score": settings,
        }
    )


def submit(world: World, who: str = "a-owner", *, spec: str | None = None, **kw: Any) -> Any:
    files = {"spec": ("score.yaml", (spec or score_spec()).encode()), **kw}
    return world.post(who, PRODUCTION_JOBS, files=files)


def run_score(
    world: World, resources: dict[str, Any] | None = None, **score: Any
) -> dict[str, Any]:
    """Submit a scoring job as the partner's owner, let a worker run it, return its status."""
    response = submit(world, spec=score_spec(resources, **score))
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert Worker(world.lab, HANDLERS).run_once() == job_id
    status: dict[str, Any] = world.get("a-owner", f"{PRODUCTION_JOBS}/{job_id}").json()
    return status
