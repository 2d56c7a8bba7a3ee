"""SQL jobs end to end: submit under policy, run on a worker, outputs through the gate."""

from __future__ import annotations

from typing import Any

import yaml

from lab.work.handlers import HANDLERS
from lab.work.worker import Worker
from tests.lab.factories import World
from tests.lab.releases.jobs import release_via_review
from tests.lab.retention.helpers import events, stored_rows, write_sample

JOBS = "/v1/tenants/acme/zones/sandbox/jobs"


def job_spec(query: str, *, sensitivity: str = "moderately_sensitive", **inputs: Any) -> str:
    return yaml.safe_dump(
        {
            "name": "by-city",
            "zone": "sandbox",
            "engine": "sql",
            "inputs": inputs or {"merchants": {"dataset": "merchants"}},
            "code": {"query": query},
            "outputs": {"result": {"sensitivity": sensitivity, "kind": "table"}},
            "resources": {"wall_seconds": 20, "memory_mb": 512},
        }
    )


def submit(world: World, who: str, spec: str, url: str = JOBS) -> Any:
    return world.post(who, url, files={"spec": ("job.yaml", spec.encode())})


def run(world: World, who: str, spec: str) -> dict[str, Any]:
    response = submit(world, who, spec)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert Worker(world.lab, HANDLERS).run_once() == job_id
    status: dict[str, Any] = world.get(who, f"{JOBS}/{job_id}").json()
    return status


def test_an_aggregate_goes_to_review_with_small_cells_suppressed_and_counts_rounded(
    world: World,
) -> None:
    """The sandbox releases aggregates through a release request: the output waits for
    review, and the version it points at is what would leave (suppressed, rounded)."""
    write_sample(world.lab, rows=2003)  # 7 cities, ~286 each; one city gets 3 extra rows
    query = "SELECT city, count(*) AS n FROM merchants GROUP BY city UNION ALL SELECT 'tiny', 3"
    job = run(world, "a-eng", job_spec(query))
    assert job["state"] == "succeeded", job
    out = job["outputs"]["result"]
    assert (out["disposition"], out["released"]) == ("review", False)
    assert out["reason"]
    rules = {f["rule"] for f in out["findings"]}
    assert {"min_cell_count", "rounding"} <= rules
    shown = world.get("a-eng", f"{JOBS}/{job['id']}/outputs/result")
    assert shown.status_code == 409 and "rows" not in shown.json()  # not until reviewed
    counts = {r["city"]: r["n"] for r in stored_rows(world.lab, out["version_id"])}
    assert "tiny" not in counts  # no input row behind it: removed by the lab's own count
    assert len(counts) == 7 and all(n % 5 == 0 for n in counts.values())
    release_via_review(world, JOBS.removesuffix("/jobs"), job["id"], ["result"])
    fetched = world.get("a-eng", f"{JOBS}/{job['id']}/outputs/result").json()
    assert {r["city"]: r["n"] for r in fetched["rows"]} == counts
    (event,) = events(world.lab, "output.gate")
    assert event["outcome"] == "review" and '"disposition":"review"' in event["details"]
    assert not (world.lab.settings.home / "work" / job["id"]).exists()


def test_identifier_columns_and_highly_sensitive_outputs_stay_in_the_zone(world: World) -> None:
    write_sample(world.lab, rows=500)
    rows_out = run(world, "a-eng", job_spec("SELECT merchant_id, sales FROM merchants"))
    assert rows_out["state"] == "succeeded"
    assert rows_out["outputs"]["result"]["released"] is False
    assert rows_out["outputs"]["result"]["disposition"] == "kept"
    assert any(f["column"] == "merchant_id" for f in rows_out["outputs"]["result"]["findings"])
    shown = world.get("a-eng", f"{JOBS}/{rows_out['id']}/outputs/result")
    assert shown.status_code == 409 and "rows" not in shown.json()
    kept = run(world, "a-eng", job_spec("SELECT * FROM merchants", sensitivity="highly_sensitive"))
    assert kept["outputs"]["result"]["released"] is False
    listed = world.get("a-eng", "/v1/tenants/acme/zones/sandbox/datasets").json()
    assert f"job-{kept['id']}-result" in {v["name"] for v in listed}


def test_escape_attempts_fail_with_a_clear_status_and_are_audited(world: World) -> None:
    write_sample(world.lab, rows=100)
    for query in (
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM globex_merchants",
        "COPY (SELECT 1) TO '/tmp/x.csv'",
    ):
        job = run(world, "a-eng", job_spec(query))
        assert job["state"] == "failed" and job["status"] == "refused", (query, job)
        assert job["message"]
    finished = events(world.lab, "work.finish")
    assert [e["outcome"] for e in finished] == ["failed"] * 3


def test_another_tenants_dataset_cannot_be_an_input(world: World) -> None:
    write_sample(world.lab, tenant="globex", rows=100)
    spec = job_spec("SELECT count(*) AS n FROM m", m={"dataset": "merchants", "tenant": "globex"})
    assert submit(world, "a-eng", spec).status_code == 404
    denied = events(world.lab, "access.read", actor="a-eng", tenant="globex", decision="deny")
    assert denied


def test_viewers_cannot_submit_and_bad_specs_are_400(world: World) -> None:
    write_sample(world.lab, rows=100)
    assert submit(world, "a-viewer", job_spec("SELECT 1 AS n")).status_code == 403
    bad = submit(world, "a-eng", "name: x\nzone: sandbox\nengine: cobol\n")
    assert bad.status_code == 400 and "engine" in bad.json()["error"]["message"]
    wrong_zone = submit(
        world, "a-eng", job_spec("SELECT 1 AS n").replace("zone: sandbox", "zone: production")
    )
    assert wrong_zone.status_code == 400


def test_in_production_findings_hide_values_and_rows_stay_with_the_owner(world: World) -> None:
    write_sample(world.lab, zone="production", rows=1000)
    url = "/v1/tenants/acme/zones/production/jobs"
    aggregate = job_spec(
        "SELECT city, count(*) AS n FROM merchants GROUP BY city UNION ALL SELECT 'tiny', 2"
    ).replace("zone: sandbox", "zone: production")
    response = submit(world, "a-owner", aggregate, url)
    assert response.status_code == 202, response.text
    assert Worker(world.lab, HANDLERS).run_once() == response.json()["id"]
    job = world.get("a-owner", f"{url}/{response.json()['id']}").json()
    findings = job["outputs"]["result"]["findings"]
    assert findings and all(f["value"] is None for f in findings)
    small = [f["message"] for f in findings if f["rule"] == "min_cell_count"]  # 'tiny', 2
    assert small and all("fewer than" in m and " 2 " not in m for m in small), small
    assert job["outputs"]["result"]["disposition"] == "review"  # two approvals, not automatic
    rows = job_spec("SELECT * FROM merchants").replace("zone: sandbox", "zone: production")
    kept = submit(world, "a-owner", rows, url)
    Worker(world.lab, HANDLERS).run_once()
    out = world.get("a-owner", f"{url}/{kept.json()['id']}").json()["outputs"]["result"]
    assert out["released"] is False and out["tenant"] == "acme"
    assert out["disposition"] == "kept"
    assert submit(world, "a-eng", aggregate, url).status_code == 403
