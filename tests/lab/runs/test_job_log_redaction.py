"""What a partner reads about a job carries none of its input: end to end through the API.

A Python job prints rows of its input and fails with `KeyError(<a name>)`; a SQL job fails
with a regular expression built from names. The partner's status message and log must hold
no value of the input (every distinct value of two characters or more, of every column, is
looked for); a compliance officer reads the full log with `full=true`; the engineer asking
for it is refused (403) and the refusal is in the audit trail.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pyarrow as pa
import pytest
import yaml
from faker import Faker
from typer.testing import CliRunner

from jobs.engines.python import sandbox_available
from lab.auditing import Actor
from lab.cli.main import app
from lab.datasets.service import write_dataset
from lab.work.handlers import HANDLERS
from lab.work.worker import Worker
from tests.lab.factories import World
from tests.lab.retention.helpers import events

JOBS = "/v1/tenants/acme/zones/sandbox/jobs"

PRINTER = """
import labjob
df = labjob.read_pandas("people")
print("read", len(df), "rows")
print(df.head(40).to_string())
for row in df.head(8).itertuples():
    print(f"客户{row.name}的手机{row.mobile}", row.id_number, row.address, row.sales)
print({"first": df["name"].iloc[0], "ids": list(df["id_number"].head(3))})
raise KeyError(df["name"].iloc[0])
"""

needs_sandbox = pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available()))


def write_people(world: World, merchants: int = 40, rows_each: int = 3) -> pa.Table:
    fake = Faker("zh_CN")
    fake.seed_instance(11)
    columns: dict[str, list[Any]] = {
        k: [] for k in ("merchant_id", "name", "id_number", "mobile", "address", "city", "sales")
    }
    for m in range(merchants):
        person = (fake.unique.name(), fake.unique.ssn(), fake.unique.phone_number())
        address, city = fake.unique.address(), fake.city_name()
        for r in range(rows_each):
            columns["merchant_id"].append(f"M{m:05d}")
            columns["name"].append(person[0])
            columns["id_number"].append(person[1])
            columns["mobile"].append(person[2])
            columns["address"].append(address)
            columns["city"].append(city)
            columns["sales"].append(1_000 * (m + 1) + 7 * r)
    table = pa.table(columns)
    write_dataset(
        world.lab,
        Actor("a-owner"),
        tenant="acme",
        zone="sandbox",
        name="people",
        batches=table.to_batches(),
        schema=table.schema,
        classifications=dict.fromkeys(table.column_names, "identifier"),
        lineage={"connector": "synthetic", "entity_key": "merchant_id"},
    )
    return table


def input_values(table: pa.Table) -> set[str]:
    """Every distinct value of every column, as text, of two characters or more."""
    return {
        str(v)
        for column in table.columns
        for v in column.unique().to_pylist()
        if v is not None and len(str(v)) >= 2
    }


def leaked(values: set[str], text: str) -> list[str]:
    return sorted(v for v in values if v in text)


STAMPS = ("id", "created_at", "started_at", "finished_at")


def _less_stamps(job: dict[str, Any]) -> dict[str, Any]:
    """The job as shown, less the id and the times the lab gave it: they hold no input, and
    their digits would now and then hold a sales figure by chance (7007 in `.270071Z`)."""
    assert all(job[k] for k in STAMPS), job
    return {k: v for k, v in job.items() if k not in STAMPS}


def _bundle(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.py", code)
    return buffer.getvalue()


def _spec(engine: str, **code: str) -> str:
    return yaml.safe_dump(
        {
            "name": "probe",
            "zone": "sandbox",
            "engine": engine,
            "inputs": {"people": {"dataset": "people"}},
            "code": code,
            "outputs": {"result": {"sensitivity": "moderately_sensitive", "kind": "table"}},
            "resources": {"wall_seconds": 60, "memory_mb": 1024},
        },
        allow_unicode=True,
    )


def run_job(world: World, spec: str, bundle: bytes | None = None) -> dict[str, Any]:
    files: dict[str, Any] = {"spec": ("job.yaml", spec.encode())}
    if bundle is not None:
        files["bundle"] = ("code.zip", bundle)
    response = world.post("a-eng", JOBS, files=files)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert Worker(world.lab, HANDLERS).run_once() == job_id
    job: dict[str, Any] = world.get("a-eng", f"{JOBS}/{job_id}").json()
    return job


@needs_sandbox
def test_a_printing_python_job_shows_the_partner_none_of_its_input(sqlite_world: World) -> None:
    table = write_people(sqlite_world)
    values = input_values(table)
    job = run_job(sqlite_world, _spec("python", entrypoint="main.py"), _bundle(PRINTER))
    assert job["state"] == "failed", job
    assert job["message"] == "the job exited with code 1: KeyError"

    partner = sqlite_world.get("a-eng", f"{JOBS}/{job['id']}/logs")
    assert partner.status_code == 200, partner.text
    log = partner.json()["log"]
    assert leaked(values, log) == []
    shown = sqlite_world.get("a-eng", f"{JOBS}/{job['id']}").json()
    assert leaked(values, str(_less_stamps(shown))) == []
    assert "[REDACTED]" in log
    assert "Traceback (most recent call last):" in log and "KeyError" in log
    assert "read 120 rows" in log  # what is not a value of the input stays readable

    reviewer = sqlite_world.get("carol", f"{JOBS}/{job['id']}/logs", params={"full": "true"})
    assert reviewer.status_code == 200, reviewer.text
    full = reviewer.json()["log"]
    first = table.column("name")[0].as_py()
    assert f"KeyError: '{first}'" in full
    assert len(leaked(values, full)) > 100  # the whole printout, for the reviewer
    allowed = events(sqlite_world.lab, "access.review", actor="carol", decision="allow")
    assert any(e["resource"].endswith(f"jobs/{job['id']}/logs") for e in allowed)


@needs_sandbox
def test_the_engineer_cannot_read_the_full_log_and_the_refusal_is_audited(
    sqlite_world: World,
) -> None:
    write_people(sqlite_world)
    job = run_job(sqlite_world, _spec("python", entrypoint="main.py"), _bundle(PRINTER))
    denied_before = events(sqlite_world.lab, "access.review", actor="a-eng", decision="deny")
    response = sqlite_world.get("a-eng", f"{JOBS}/{job['id']}/logs", params={"full": "true"})
    assert response.status_code == 403, response.text
    denied = events(sqlite_world.lab, "access.review", actor="a-eng", decision="deny")
    assert len(denied) == len(denied_before) + 1
    assert denied[-1]["resource"].endswith(f"jobs/{job['id']}/logs")
    assert "KeyError: '" not in response.text


def test_a_sql_error_built_from_names_shows_none_of_them(sqlite_world: World) -> None:
    table = write_people(sqlite_world)
    query = "SELECT regexp_matches('x', string_agg(name, ',') || '(') FROM people"
    job = run_job(sqlite_world, _spec("sql", query=query))
    assert job["state"] == "failed", job
    assert job["message"].startswith("the query failed while it ran: Invalid Input Error")
    assert leaked(input_values(table), job["message"]) == []


def test_a_full_log_of_a_job_without_one_is_still_decided_and_audited(
    sqlite_world: World,
) -> None:
    write_people(sqlite_world)
    job = run_job(sqlite_world, _spec("sql", query="SELECT count(*) AS n FROM people"))
    url = f"{JOBS}/{job['id']}/logs"
    assert sqlite_world.get("a-eng", url, params={"full": "true"}).status_code == 403
    assert sqlite_world.get("carol", url, params={"full": "true"}).json()["log"] == ""


@needs_sandbox
def test_the_cli_shows_the_full_log_to_a_reviewer_only(sqlite_world: World) -> None:
    table = write_people(sqlite_world)
    job = run_job(sqlite_world, _spec("python", entrypoint="main.py"), _bundle(PRINTER))
    settings = sqlite_world.lab.settings
    assert settings.master_key is not None

    def cli(who: str, *extra: str) -> tuple[int, str]:
        env = {
            "LAB_HOME": str(settings.home),
            "LAB_MASTER_KEY": settings.master_key.get_secret_value(),
            "LAB_TOKEN": sqlite_world.tokens[who],
            "LAB_POLICY_REFRESH_SECONDS": "0",
        }
        args = ["jobs", "logs", job["id"], "--tenant", "acme", *extra]
        result = CliRunner().invoke(app, args, env=env)
        return result.exit_code, result.output

    first = table.column("name")[0].as_py()
    code, shown = cli("a-eng")
    assert code == 0, shown
    assert "[REDACTED]" in shown and first not in shown
    code, full = cli("carol", "--full")
    assert code == 0, full
    assert f"KeyError: '{first}'" in full
    code, refused = cli("a-eng", "--full")
    assert code != 0 and first not in refused
    assert "not allowed to review" in refused
