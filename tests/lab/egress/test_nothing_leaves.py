"""Attack tests of the lab's first promise: nothing row-level or personal leaves a zone.

Each attempt is made as an ordinary engineer, on the tenant's own sandbox data, through the
API, and judged by what the partner can then read (job status, output entries and their
findings, the log, any released content), never by the attempt's name: the test looks for
every identifying value of the input in that text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
import yaml

from jobs.engines.python import sandbox_available
from tests.lab.egress.people import (
    JOBS,
    leaked,
    partner_view,
    run_job,
    sql_spec,
    write_people,
)
from tests.lab.factories import World

RELEASES = "/v1/tenants/acme/zones/sandbox/releases"

ROW_LEVEL = {
    "renamed": "SELECT name AS label, address AS place FROM people",
    "cte": "WITH x AS (SELECT name AS a, mobile AS b FROM people) SELECT a, b FROM x",
    "subquery": "SELECT q.a FROM (SELECT id_number AS a FROM people) AS q",
    "union": "SELECT name FROM people UNION ALL SELECT 'x'",
    "window": "SELECT name, count(*) OVER () AS n FROM people",
    "star": "SELECT * FROM people",
    "table_star": "SELECT p.* FROM people AS p WHERE sales > 0",
    "limit": "SELECT upper(name) AS u FROM people ORDER BY sales LIMIT 10",
    "qualify": "SELECT name FROM people QUALIFY row_number() OVER (ORDER BY sales) < 20",
    "string_agg": "SELECT city, string_agg(name, ',') AS names FROM people GROUP BY city",
    "list": "SELECT city, list(mobile) AS l FROM people GROUP BY city",
    "arg_max": "SELECT city, arg_max(name, sales) AS top FROM people GROUP BY city",
    "min_text": "SELECT city, min(address) AS a FROM people GROUP BY city",
    "scalar_subquery": "SELECT city, (SELECT max(name) FROM people) AS n FROM people GROUP BY city",
    "concat": "SELECT name || '/' || mobile AS x FROM people",
}

DISGUISED_COUNTS = {
    "double": "SELECT name, count(*)::DOUBLE AS weight FROM people GROUP BY name",
    "text": "SELECT name, 'n=' || count(*) AS label FROM people GROUP BY name",
    "arithmetic": "SELECT mobile, count(*) * 1.0 + 0 AS x FROM people GROUP BY mobile",
    "entity": "SELECT merchant_id, count(*) AS rows_seen FROM people GROUP BY merchant_id",
    "nested": (
        "WITH g AS (SELECT name, count(*) AS c FROM people GROUP BY name) "
        "SELECT name AS who, c * 2 AS twice FROM g"
    ),
}

ERRORS = {
    "regexp": "SELECT regexp_matches('x', name || '(') FROM people",
    "regexp_agg": "SELECT regexp_matches('x', string_agg(name, ',') || '(') FROM people",
    "cast": "SELECT CAST(name AS INTEGER) FROM people",
    "error": "SELECT error(mobile) FROM people",
    "strptime": "SELECT strptime(address, '%Y') FROM people",
}


def _no_request(world: World, job: dict[str, Any]) -> None:
    """A kept output cannot even be asked for."""
    response = world.post(
        "a-eng",
        RELEASES,
        json={"job_id": job["id"], "outputs": ["result"], "purpose": "see what happens"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.status_code != 422 or "row" in response.text


@pytest.mark.parametrize("case", sorted(ROW_LEVEL))
def test_row_level_sql_outputs_stay_in_the_zone(sqlite_world: World, case: str) -> None:
    people = write_people(sqlite_world)
    job = run_job(sqlite_world, sql_spec(ROW_LEVEL[case]))
    assert job["state"] == "succeeded", job
    out = job["outputs"]["result"]
    assert out["disposition"] == "kept", out
    assert out["released"] is False
    assert out["lineage"] == "row_level"
    assert leaked(people.secrets(), partner_view(sqlite_world, job)) == []
    _no_request(sqlite_world, job)


@pytest.mark.parametrize("case", sorted(DISGUISED_COUNTS))
def test_counts_in_disguise_are_suppressed_by_the_labs_own_count(
    sqlite_world: World, case: str
) -> None:
    """Every group here holds one merchant in twelve rows: the rows pass k, the entities do
    not, so all are suppressed by the lab's entity count, and the
    output that goes to review carries nothing of the input."""
    people = write_people(sqlite_world)
    job = run_job(sqlite_world, sql_spec(DISGUISED_COUNTS[case]))
    assert job["state"] == "succeeded", job
    out = job["outputs"]["result"]
    assert out["lineage"] == "aggregate", out
    assert out["disposition"] == "review", out
    assert out["rows"] == 0
    assert leaked(people.secrets(), partner_view(sqlite_world, job)) == []


def test_an_aggregate_goes_to_review_and_leaves_only_once_approved(world: World) -> None:
    people = write_people(world)
    query = (
        "SELECT city AS place, count(*)::DOUBLE AS weight, sum(sales) AS s "
        "FROM people GROUP BY city"
    )
    job = run_job(world, sql_spec(query))
    out = job["outputs"]["result"]
    assert (out["lineage"], out["disposition"], out["released"]) == ("aggregate", "review", False)
    before = world.get("a-eng", f"{JOBS}/{job['id']}/outputs/result")
    assert before.status_code in (403, 404, 409)

    asked = world.post(
        "a-eng", RELEASES, json={"job_id": job["id"], "outputs": ["result"], "purpose": "report"}
    )
    assert asked.status_code in (200, 201), asked.text
    release = asked.json()["id"]
    own = world.post(
        "a-eng",
        f"/v1/zones/sandbox/releases/{release}/review",
        json={"decision": "approve", "comment": "mine"},
    )
    assert own.status_code in (403, 404, 409)
    approved = world.post(
        "carol",
        f"/v1/zones/sandbox/releases/{release}/review",
        json={"decision": "approve", "comment": "aggregates of at least 10 merchants"},
    )
    assert approved.status_code == 200, approved.text

    fetched = world.get("a-eng", f"{JOBS}/{job['id']}/outputs/result", params={"format": "csv"})
    assert fetched.status_code == 200, fetched.text
    text = fetched.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "拉萨" not in text  # three merchants: below k, suppressed by the lab's count
    assert {r["place"] for r in rows} == {"杭州", "上海", "北京", "深圳"}
    assert all(float(r["weight"]) % 5 == 0 for r in rows)  # count-derived: rounded
    assert leaked(people.secrets(), text) == []


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_engine_errors_carry_no_data(sqlite_world: World, case: str) -> None:
    people = write_people(sqlite_world)
    job = run_job(sqlite_world, sql_spec(ERRORS[case]))
    assert job["state"] == "failed", job
    assert leaked(people.secrets(), partner_view(sqlite_world, job)) == []


PRINTER = """
import labjob
df = labjob.read_pandas("people")
print(df.head(50).to_string())
for row in df.head(5).itertuples():
    print(row.name, row.id_number, row.mobile, row.address)
labjob.write_table("result", df[["name", "mobile"]].rename(columns={"name": "a", "mobile": "b"}))
raise KeyError(df["name"].iloc[0])
"""

WRITER = """
import labjob
df = labjob.read_pandas("people")
out = df[["name", "address"]].rename(columns={"name": "label", "address": "place"}).head(100)
labjob.write_table("result", out)
"""


def _bundle(code: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("main.py", code)
    return buffer.getvalue()


def _python_spec() -> str:
    return yaml.safe_dump(
        {
            "name": "py-probe",
            "zone": "sandbox",
            "engine": "python",
            "inputs": {"people": {"dataset": "people"}},
            "code": {"entrypoint": "main.py"},
            "outputs": {"result": {"sensitivity": "moderately_sensitive", "kind": "table"}},
            "resources": {"wall_seconds": 60, "memory_mb": 1024},
        }
    )


needs_sandbox = pytest.mark.skipif(
    sandbox_available() is not None, reason=f"no sandbox here: {sandbox_available()}"
)


@needs_sandbox
def test_a_python_job_that_prints_rows_and_raises_with_a_name_shows_none_of_them(
    sqlite_world: World,
) -> None:
    people = write_people(sqlite_world)
    job = run_job(sqlite_world, _python_spec(), bundle=_bundle(PRINTER))
    assert job["state"] == "failed", job
    assert leaked(people.secrets(), partner_view(sqlite_world, job)) == []


@needs_sandbox
def test_a_python_job_writing_renamed_identifiers_is_blocked_by_their_values(
    sqlite_world: World,
) -> None:
    people = write_people(sqlite_world)
    job = run_job(sqlite_world, _python_spec(), bundle=_bundle(WRITER))
    assert job["state"] == "succeeded", job
    out = job["outputs"]["result"]
    assert out["lineage"] == "unproven"
    assert out["disposition"] == "kept", out
    matched = " ".join(f["message"] for f in out["findings"])
    assert "people.name" in matched and "people.address" in matched
    assert leaked(people.secrets(), partner_view(sqlite_world, job)) == []
    _no_request(sqlite_world, job)
