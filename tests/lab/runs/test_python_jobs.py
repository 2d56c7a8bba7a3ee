"""Python jobs end to end: the code runs sandboxed next to decrypted copies of its inputs,
its outputs cross the gate, its log is kept encrypted, its workspace disappears."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
import yaml

from jobs.engines.python import sandbox_available
from lab.work.handlers import HANDLERS
from lab.work.worker import Worker
from tests.lab.factories import World
from tests.lab.retention.helpers import stored_rows, write_sample

pytestmark = pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available()))
JOBS = "/v1/tenants/acme/zones/sandbox/jobs"

TRAIN = """
import labjob
df = labjob.read_pandas("merchants")
by_city = df.groupby("city").size().reset_index(name="n")
labjob.write_table("by_city", by_city)
labjob.log_metric("rows", len(df))
print("trained on", len(df), "rows")
"""

SNOOP = """
import os, socket
home = os.environ.get("SNOOP_HOME", "")
for path in ["/etc/shadow", home + "/keys/master.key", home + "/metastore.db"]:
    try:
        open(path, "rb").read(10)
        print("READ", path)
    except OSError as exc:
        print("blocked", path, type(exc).__name__)
try:
    socket.create_connection(("127.0.0.1", 8700), timeout=2)
    print("CONNECTED")
except OSError as exc:
    print("no network", type(exc).__name__)
import labjob
labjob.write_table("by_city", __import__("pandas").DataFrame({"city": ["x"], "n": [50]}))
"""


RENAME = """
import labjob
df = labjob.read_pandas("merchants")
out = df.rename(columns={"merchant_id": "label", "city": "place"})[["label", "place", "sales"]]
out["label"] = out["label"].str.upper()
labjob.write_table("by_city", out.head(300))
"""


def bundle(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("train.py", code)
    return buffer.getvalue()


def spec() -> str:
    return yaml.safe_dump(
        {
            "name": "train",
            "zone": "sandbox",
            "engine": "python",
            "inputs": {"merchants": {"dataset": "merchants"}},
            "code": {"entrypoint": "train.py"},
            "outputs": {
                "by_city": {"sensitivity": "moderately_sensitive", "kind": "table"},
                "metrics": {"sensitivity": "highly_sensitive", "kind": "metrics"},
            },
            "resources": {"wall_seconds": 60, "memory_mb": 1024},
        }
    )


def run(world: World, code: str) -> dict[str, Any]:
    response = world.post(
        "a-eng",
        JOBS,
        files={"spec": ("job.yaml", spec().encode()), "bundle": ("b.zip", bundle(code))},
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert Worker(world.lab, HANDLERS).run_once() == job_id
    status: dict[str, Any] = world.get("a-eng", f"{JOBS}/{job_id}").json()
    return status


def test_a_python_job_trains_on_its_inputs_and_its_outputs_cross_the_gate(
    sqlite_world: World,
) -> None:
    write_sample(sqlite_world.lab, rows=700)
    job = run(sqlite_world, TRAIN)
    assert job["state"] == "succeeded", job
    by_city = job["outputs"]["by_city"]
    # a Python output cannot be proved aggregate: it never leaves without review
    assert (by_city["disposition"], by_city["lineage"], by_city["released"]) == (
        "review",
        "unproven",
        False,
    )
    assert job["outputs"]["metrics"]["disposition"] == "kept"  # highly sensitive
    rows = stored_rows(sqlite_world.lab, by_city["version_id"])
    assert sum(r["n"] for r in rows) == 700
    log = sqlite_world.get("a-eng", f"{JOBS}/{job['id']}/logs").json()["log"]
    assert "trained on 700 rows" in log
    assert not (sqlite_world.lab.settings.home / "work" / job["id"]).exists()


def test_a_python_job_sees_no_keys_no_metastore_no_network(sqlite_world: World) -> None:
    write_sample(sqlite_world.lab, rows=50)
    job = run(
        sqlite_world,
        SNOOP.replace(
            'os.environ.get("SNOOP_HOME", "")', repr(str(sqlite_world.lab.settings.home))
        ),
    )
    assert job["state"] == "succeeded", job
    log = sqlite_world.get("a-eng", f"{JOBS}/{job['id']}/logs").json()["log"]
    assert "READ" not in log and "CONNECTED" not in log
    assert log.count("blocked") == 3 and "no network" in log


def test_a_python_job_writing_a_renamed_identifier_keeps_it_in_the_zone(
    sqlite_world: World,
) -> None:
    """The same attack as `SELECT merchant_id AS label`, from Python: no lineage, but the
    values are the input's identifiers, so the output is blocked and kept."""
    write_sample(sqlite_world.lab, rows=500)
    job = run(sqlite_world, RENAME)
    assert job["state"] == "succeeded", job
    out = job["outputs"]["by_city"]
    assert (out["disposition"], out["lineage"], out["released"]) == ("kept", "unproven", False)
    (finding,) = [f for f in out["findings"] if f["rule"] == "identifier_overlap"]
    assert finding["column"] == "label"
    assert (
        "100% of its 300 distinct values are values of merchants.merchant_id"
        in (finding["message"])
    )
