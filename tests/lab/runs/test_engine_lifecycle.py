"""A Python job's life through the API, on the fake engine: on every machine, bubblewrap or
not. What the sandbox itself does is tested with the real engine (test_python_jobs.py);
here it is everything around it: the queue's states, the gate and the dispositions, the
log kept and redacted, the workspace destroyed, the audit trail."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import yaml

from lab.work.handlers import HANDLERS
from lab.work.worker import Worker
from tests.lab.factories import World
from tests.lab.retention.helpers import events, stored_rows, write_sample
from tests.lab.runs.fake_engine import FakeEngine, fake_python

JOBS = "/v1/tenants/acme/zones/sandbox/jobs"


@pytest.fixture(autouse=True)
def fake() -> Iterator[type[FakeEngine]]:
    with fake_python() as engine:
        yield engine


def bundle(program: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("train.py", repr(program))
    return buffer.getvalue()


def spec(**resources: Any) -> str:
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
            "resources": {"wall_seconds": 60, "memory_mb": 1024, **resources},
        }
    )


def submit(world: World, program: dict[str, Any], **resources: Any) -> str:
    response = world.post(
        "a-eng",
        JOBS,
        files={
            "spec": ("job.yaml", spec(**resources).encode()),
            "bundle": ("b.zip", bundle(program)),
        },
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["id"]
    return job_id


def job(world: World, job_id: str) -> dict[str, Any]:
    found: dict[str, Any] = world.get("a-eng", f"{JOBS}/{job_id}").json()
    return found


def run(world: World, program: dict[str, Any], **resources: Any) -> dict[str, Any]:
    job_id = submit(world, program, **resources)
    assert job(world, job_id)["state"] == "queued"
    assert Worker(world.lab, HANDLERS).run_once() == job_id
    return job(world, job_id)


def partner_log(world: World, job_id: str) -> str:
    log: str = world.get("a-eng", f"{JOBS}/{job_id}/logs").json()["log"]
    return log


TRAIN = {
    "print": ["trained on the merchants"],
    "tables": {"by_city": {"count_by": ["merchants", "city"]}},
    "metrics": {"rows": 700},
}


def test_a_job_runs_its_outputs_are_gated_kept_and_audited(world: World) -> None:
    write_sample(world.lab, rows=700)
    done = run(world, TRAIN)
    assert (done["state"], done["status"]) == ("succeeded", "succeeded"), done
    by_city, metrics = done["outputs"]["by_city"], done["outputs"]["metrics"]
    # a Python output cannot be proved aggregate: it never leaves without review
    assert (by_city["disposition"], by_city["lineage"], by_city["released"]) == (
        "review",
        "unproven",
        False,
    )
    assert metrics["disposition"] == "kept"  # highly sensitive
    assert sum(r["n"] for r in stored_rows(world.lab, by_city["version_id"])) == 700
    assert "trained on the merchants" in partner_log(world, done["id"])
    assert not (world.lab.settings.home / "work" / done["id"]).exists()
    gated = events(world.lab, "output.gate")
    assert sorted(e["outcome"] for e in gated) == ["kept", "review"]
    assert all(e["resource"].startswith(f"sandbox/jobs/{done['id']}/outputs/") for e in gated)
    assert [e["outcome"] for e in events(world.lab, "work.finish")] == ["succeeded"]
    assert len(events(world.lab, "job.submit")) == 1
    assert FakeEngine.launches >= 1


def test_an_output_holding_the_inputs_identifiers_is_kept(sqlite_world: World) -> None:
    write_sample(sqlite_world.lab, rows=300)
    program = {"tables": {"by_city": {"copy": "merchants", "columns": ["merchant_id", "city"]}}}
    done = run(sqlite_world, program)
    assert done["state"] == "succeeded", done
    out = done["outputs"]["by_city"]
    assert (out["disposition"], out["released"]) == ("kept", False)
    assert out["findings"]
    assert done["outputs"]["metrics"]["missing"] is True
    assert done["status"] == "outputs-missing"


def test_a_failing_job_keeps_its_log_and_the_partner_reads_it_redacted(
    sqlite_world: World,
) -> None:
    version = write_sample(sqlite_world.lab, rows=50)
    with sqlite_world.lab.read() as session:
        first = sqlite_world.lab.store.read_table(session, version.id).slice(0, 3).to_pylist()
    merchant = str(first[0]["merchant_id"])
    program = {"print_rows": ["merchants", 3], "raise": ["KeyError", repr(merchant)]}
    failed = run(sqlite_world, program)
    assert (failed["state"], failed["status"]) == ("failed", "failed"), failed
    assert failed["message"] == "the job exited with code 1: KeyError"
    log = partner_log(sqlite_world, failed["id"])
    assert "Traceback" in log and "KeyError" in log
    assert merchant not in log and "merchant_id" in log  # the values go, the names stay
    assert not (sqlite_world.lab.settings.home / "work" / failed["id"]).exists()
    assert [e["outcome"] for e in events(sqlite_world.lab, "work.finish")] == ["failed"]
    assert events(sqlite_world.lab, "output.gate") == []


@pytest.mark.parametrize(
    ("program", "resources", "status", "message"),
    [
        ({"exceed": "memory"}, {}, "killed", "memory limit of 1024 MiB exceeded"),
        ({"exceed": "cpu"}, {}, "killed", "CPU time limit"),
        ({"exceed": "wall"}, {}, "timeout", "wall-clock limit of 60 s reached"),
        ({"hang": True}, {"wall_seconds": 1}, "timeout", "wall-clock limit of 1 s reached"),
        (
            {"tables": {"by_city": {"rows": 2_000}}},
            {"max_rows": 1_000},
            "limit-exceeded",
            "rows",
        ),
    ],
)
def test_a_job_past_its_limits_ends_failed_with_its_limit_named(
    sqlite_world: World,
    program: dict[str, Any],
    resources: dict[str, Any],
    status: str,
    message: str,
) -> None:
    write_sample(sqlite_world.lab, rows=20)
    ended = run(sqlite_world, program, **resources)
    assert (ended["state"], ended["status"]) == ("failed", status), ended
    assert message in ended["message"]
    assert ended["outputs"] in (None, {}) or not ended.get("outputs")
    assert events(sqlite_world.lab, "output.gate") == []
    assert not (sqlite_world.lab.settings.home / "work" / ended["id"]).exists()


def test_a_hanging_job_is_running_until_cancelled(sqlite_world: World) -> None:
    write_sample(sqlite_world.lab, rows=20)
    job_id = submit(
        sqlite_world, {"hang": True, "tables": {"by_city": {"count_by": ["merchants", "city"]}}}
    )
    worker = Worker(sqlite_world.lab, HANDLERS, lease=timedelta(seconds=0.3))
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    deadline = time.monotonic() + 30
    workspace = sqlite_world.lab.settings.home / "work" / job_id
    while not (workspace / "sandbox").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert job(sqlite_world, job_id)["state"] == "running"
    assert (workspace / "inputs" / "merchants.parquet").is_file()  # decrypted, in private
    response = sqlite_world.post("a-eng", f"{JOBS}/{job_id}/cancel")
    assert response.status_code in (200, 202), response.text
    thread.join(30)
    assert not thread.is_alive()
    ended = job(sqlite_world, job_id)
    assert (ended["state"], ended["status"]) == ("cancelled", "cancelled"), ended
    assert not workspace.exists()
    assert events(sqlite_world.lab, "output.gate") == []
    assert len(events(sqlite_world.lab, "job.cancel")) == 1


def test_a_worker_without_the_engine_refuses_the_job(sqlite_world: World) -> None:
    from lab.runs.engines import ENGINES

    write_sample(sqlite_world.lab, rows=20)
    with ENGINES.replaced("python", FakeEngine, lambda job: "no sandbox on this machine"):
        refused = run(sqlite_world, TRAIN)
    assert (refused["state"], refused["status"]) == ("failed", "refused"), refused
    assert refused["message"] == "this worker refuses python jobs: no sandbox on this machine"
    assert not (sqlite_world.lab.settings.home / "work" / refused["id"]).exists()


def test_a_bad_bundle_is_refused_before_anything_runs(sqlite_world: World) -> None:
    write_sample(sqlite_world.lab, rows=20)
    before = FakeEngine.launches
    response = sqlite_world.post(
        "a-eng",
        JOBS,
        files={"spec": ("job.yaml", spec().encode()), "bundle": ("b.zip", b"not a zip")},
    )
    assert response.status_code == 202, response.text
    Worker(sqlite_world.lab, HANDLERS).run_once()
    ended = job(sqlite_world, response.json()["id"])
    assert (ended["state"], ended["status"]) == ("failed", "refused"), ended
    assert "not a zip file" in ended["message"]
    assert FakeEngine.launches == before
