"""Builders for monitoring tests: a second model to deploy beside `gbm`, production data
with outcomes, and runs moved back in time so that the scheduler finds them due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from lab.auditing import Actor
from lab.datasets.service import write_dataset
from lab.monitoring.models import MonitoringRun
from lab.storage import VersionInfo
from tests.lab.factories import World
from tests.lab.models.test_registry_jobs import run
from tests.lab.promotions.helpers import MODELS, OUTPUTS, TRAIN, review
from tests.lab.storage.factories import LABELS, SCHEMA, merchant_batches

MONITORING = "/v1/tenants/acme/zones/production/deployments/{name}/monitoring"
WITH_OUTCOME = SCHEMA.append(pa.field("bad", pa.int64()))


def deploy_twin(world: World) -> None:
    """Train, promote and deploy a second model, `twin`, on the same data as `gbm`."""
    code = TRAIN.replace('"gbm"', '"twin"').replace("SEED", "3").replace("TREES", "20")
    outputs = {key.replace("gbm", "twin"): kind for key, kind in OUTPUTS.items()}
    job = run(world, code, outputs)
    assert job["state"] == "succeeded", job
    body = {"dataset_tenant": "acme", "dataset": "merchants", "purpose": "a second scorer"}
    asked = world.post("a-eng", f"{MODELS}/twin/versions/1/promotions", json=body)
    assert asked.status_code == 201, asked.text
    assert review(world, "carol", asked.json()["id"]).json()["state"] == "approved"


def write_outcomes(world: World, rows: int = 800) -> VersionInfo:
    """Production merchants as in training, with the outcome `bad` known for each: bad
    when the rating is high, as the models learnt (so AUC and KS are high)."""

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in merchant_batches(rows):
            rating = batch.column("rating").to_pylist()
            bad = pa.array([int(r > 2.5) for r in rating], pa.int64())
            yield pa.RecordBatch.from_arrays([*batch.columns, bad], schema=WITH_OUTCOME)

    return write_dataset(
        world.lab,
        Actor("a-owner"),
        tenant="acme",
        zone="production",
        name="merchants",
        batches=batches(),
        schema=WITH_OUTCOME,
        classifications=LABELS,
        lineage={"connector": "synthetic"},
    )


def age_runs(world: World, name: str, hours: int = 25) -> None:
    """Move every run of `name` back `hours`, as if the zone's interval had passed."""
    table = MonitoringRun.__table__
    with world.lab.transaction() as session:
        for run_id, created in session.execute(
            sa.select(table.c.id, table.c.created_at).where(table.c.name == name)
        ).all():
            session.execute(
                sa.update(table)
                .where(table.c.id == run_id)
                .values(created_at=created - timedelta(hours=hours))
            )


def runs_of(world: World, who: str, name: str) -> list[dict[str, Any]]:
    response = world.get(who, MONITORING.format(name=name) + "/runs")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def cli(world: World, who: str, *argv: str) -> tuple[int, str]:
    """`lab ...` against the world's lab home, as `who` (LAB_TOKEN)."""
    return world.cli(who, *argv)
