"""A registered, deployed and monitored model for console tests, without a sandbox job.

The registry takes a model that passed its checks (`check_model_folder`, the same checks a
job's model folder passes) with its metrics and plots; a scorecard needs no training
library. It is then promoted and approved through the API, and monitored by a
housekeeping round, as a trained model would be."""

from __future__ import annotations

import json
import struct
import zlib

from jobs.models.registry_checks import check_model_folder
from lab.auditing import Actor
from lab.models.schemas import Lineage
from lab.models.service import register_version
from lab.retention.scheduler import Housekeeper
from lab.runs.artifacts import store_files
from tests.lab.factories import World
from tests.lab.retention.helpers import write_sample

MODEL = "card"
METRICS = {"auc": 0.8123, "ks": 0.4321, "psi": 0.0123}


def png(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG: white pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def scorecard() -> dict[str, bytes]:
    """A model folder as `labjob.save_model` leaves it for a scorecard on `rating`."""
    features = [{"name": "rating", "type": "numeric"}]
    card = {
        "format": "lab-scorecard/1",
        "base_points": 600.0,
        "features": [
            {
                "name": "rating",
                "type": "numeric",
                "missing_points": 0.0,
                "bins": [
                    {"lower": None, "upper": 2.5, "points": -20.0},
                    {"lower": 2.5, "upper": None, "points": 30.0},
                ],
            }
        ],
    }
    description = {
        "name": MODEL,
        "flavour": "scorecard",
        "artifact": "scorecard.json",
        "features": features,
        "target": "bad",
    }
    return {
        "model.json": json.dumps(description).encode(),
        "scorecard.json": json.dumps(card).encode(),
    }


def registered_model(world: World, *, plot: bytes | None = None) -> None:
    """acme's sandbox model `card` v1 with metrics and a plot `roc`, trained (by its
    lineage) on acme's sandbox merchants."""
    training = write_sample(world.lab, rows=800)
    actor = Actor("a-eng")
    stored = store_files(
        world.lab,
        actor,
        tenant="acme",
        zone="sandbox",
        dataset="job-console-roc",
        files={"roc.png": plot or png()},
        kind="job_output",
        lineage={"job": "console"},
    )
    inputs = {  # as a job's lineage records its inputs (lab.runs.models.lineage_of)
        "merchants": {
            "tenant": "acme",
            "dataset": training.name,
            "version": training.version,
            "version_id": training.id,
        }
    }
    register_version(
        world.lab,
        actor,
        tenant="acme",
        zone="sandbox",
        name=MODEL,
        dataset=f"job-console-{MODEL}",
        checked=check_model_folder(scorecard()),
        lineage=Lineage(job_id="console", code_hash="0" * 64, inputs=inputs, spec={}),
        metrics=METRICS,
        plots={"roc": stored.id},
    )


PROMOTIONS = f"/v1/tenants/acme/zones/sandbox/models/{MODEL}/versions/1/promotions"


def promotion_asked(world: World, *, registered: bool = False, plot: bytes | None = None) -> str:
    """A pending promotion of `card` v1 to score acme's production merchants, asked for by
    a-eng through the API (the model registered and the production data written first,
    unless `registered`; `plot`: its ROC plot's PNG); its id."""
    if not registered:
        registered_model(world, plot=plot)
        write_sample(world.lab, zone="production", rows=800)
    body = {"dataset_tenant": "acme", "dataset": "merchants", "purpose": "score merchants"}
    asked = world.post("a-eng", PROMOTIONS, json=body)
    assert asked.status_code == 201, asked.text
    return str(asked.json()["id"])


def deployed_model(world: World, *, plot: bytes | None = None) -> None:
    """`card` registered, promoted by a-eng, approved by carol, and monitored once."""
    promotion_id = promotion_asked(world, plot=plot)
    review = {"decision": "approve", "comment": "gates and lineage checked"}
    done = world.post("carol", f"/v1/promotions/{promotion_id}/review", json=review)
    assert done.json()["state"] == "approved", done.text
    report = Housekeeper(world.lab).monitor_once()
    assert report is not None and len(report.succeeded) == 1, report
