"""What becomes of SQL outputs, end to end through the API: the attacks of issue 8 (renaming,
counts in disguise, entity counts) stay in the zone, are suppressed by the lab's own count,
or wait for review; only a proved aggregate in a zone that says `aggregates: auto` leaves
without review.
"""

from __future__ import annotations

from typing import Any

from lab.storage import find_version
from lab.zones.registry import rules_at, update_rules
from tests.lab.factories import World
from tests.lab.retention.helpers import events, stored_rows, write_sample
from tests.lab.runs.test_sql_jobs import JOBS, job_spec, run

MERCHANT_IDS = {f"M{i:09d}" for i in range(2_003)}


def output(world: World, query: str) -> dict[str, Any]:
    job = run(world, "a-eng", job_spec(query))
    assert job["state"] == "succeeded", job
    entry: dict[str, Any] = job["outputs"]["result"]
    assert entry["released"] is (entry["disposition"] == "released")
    return entry


def leaving(world: World, entry: dict[str, Any]) -> list[dict[str, Any]]:
    """What would leave the zone if the output were released (nothing when kept)."""
    if entry["disposition"] == "kept":
        return []
    return stored_rows(world.lab, entry["version_id"])


def cells(rows: list[dict[str, Any]]) -> set[str]:
    return {str(v) for row in rows for v in row.values() if v is not None}


RENAMINGS = [
    "SELECT merchant_id AS label, sales AS amount FROM merchants",
    "WITH t AS (SELECT merchant_id AS label FROM merchants) SELECT label FROM t",
    "SELECT label FROM (SELECT lower(merchant_id) AS label FROM merchants)",
    "SELECT city AS label FROM merchants UNION SELECT merchant_id FROM merchants",
    "SELECT merchant_id AS k, row_number() OVER (ORDER BY sales) AS r FROM merchants",
    "SELECT * FROM merchants LIMIT 50",
    "SELECT merchant_id AS label, count(*) AS n FROM merchants GROUP BY label",
    "SELECT m.merchant_id AS label, count(*) AS c FROM merchants m GROUP BY ALL",
]


def test_renamed_identifiers_never_reach_what_would_leave(sqlite_world: World) -> None:
    write_sample(sqlite_world.lab, rows=2_003)
    for query in RENAMINGS:
        entry = output(sqlite_world, query)
        assert entry["disposition"] != "released", query
        assert entry["reason"], query
        if entry["disposition"] == "kept":
            continue
        # review only when the lab's own count removed every identifying row
        leaked = cells(leaving(sqlite_world, entry)) & MERCHANT_IDS
        assert not leaked, (query, sorted(leaked)[:3])
    gated = events(sqlite_world.lab, "output.gate")
    assert len(gated) == len(RENAMINGS)
    assert all('"disposition":' in e["details"] for e in gated)


def test_a_kept_output_keeps_its_identifiers_classified_so_it_cannot_launder_them(
    sqlite_world: World,
) -> None:
    """Kept outputs are inputs of later jobs: a renamed identifier stored as a plain column
    would come back out of a second job unrecognized."""
    write_sample(sqlite_world.lab, rows=2_003)
    first = output(sqlite_world, "SELECT merchant_id AS label, sales FROM merchants")
    assert first["disposition"] == "kept"
    with sqlite_world.lab.read() as session:
        version = find_version(
            session, tenant="acme", zone="sandbox", name=first["dataset"], version=None
        )
    assert {c["name"]: c["classification"] for c in version.columns}["label"] == "identifier"
    query = "SELECT label AS tag, count(*) AS n FROM r GROUP BY tag"
    job = run(sqlite_world, "a-eng", job_spec(query, r={"dataset": first["dataset"]}))
    second = job["outputs"]["result"]
    assert second["disposition"] != "released"
    assert not cells(leaving(sqlite_world, second)) & MERCHANT_IDS


def test_a_row_level_output_is_kept_with_the_columns_and_why(sqlite_world: World) -> None:
    write_sample(sqlite_world.lab, rows=200)
    entry = output(sqlite_world, "SELECT merchant_id AS label, city FROM merchants")
    assert (entry["disposition"], entry["lineage"]) == ("kept", "row_level")
    assert "label" in entry["reason"] and "egress.row_level: none" in entry["reason"]
    assert {f["rule"] for f in entry["findings"]} == {"row_level"}


def test_counts_in_disguise_are_suppressed_by_the_lab_s_own_count(sqlite_world: World) -> None:
    write_sample(sqlite_world.lab, rows=2_003)  # sales = row number: sales < 3 is one row
    query = (
        "SELECT city, sales < 3 AS small, count(*)::DOUBLE AS x, count(*) * 1.0 AS y, "
        "'n=' || count(*) AS t FROM merchants GROUP BY city, small"
    )
    entry = output(sqlite_world, query)
    assert (entry["disposition"], entry["lineage"]) == ("review", "aggregate")
    suppressed = [f for f in entry["findings"] if f["rule"] == "min_cell_count"]
    assert len(suppressed) == 3 and all(f["value"] is None for f in suppressed)
    rows = leaving(sqlite_world, entry)
    assert rows and not any(r["small"] for r in rows)
    assert all(float(r["x"]) % 5 == 0 and float(r["y"]) % 5 == 0 for r in rows)
    assert any(f["rule"] == "count_in_text" for f in entry["findings"])


def test_a_merchant_seen_in_many_rows_is_one_entity(sqlite_world: World) -> None:
    write_sample(sqlite_world.lab, rows=2_003, entity_key="merchant_id")
    copies = " UNION ALL ".join(["SELECT * FROM merchants"] * 4)
    query = f"SELECT city, count(*) AS n FROM ({copies}) WHERE sales < 21 GROUP BY city"
    entry = output(sqlite_world, query)  # 12 rows per city, from only 3 merchants
    assert entry["lineage"] == "aggregate"
    assert leaving(sqlite_world, entry) == []
    found = [f for f in entry["findings"] if f["rule"] == "min_cell_count"]
    assert len(found) == 7 and all("entities" in f["message"] for f in found)


def _auto(world: World) -> None:
    with world.lab.transaction() as session:
        rules = rules_at(session, "sandbox")
        egress = rules.egress.model_copy(update={"aggregates": "auto"})
        update_rules(session, "admin", rules.model_copy(update={"egress": egress}), "auto")


def test_only_a_proved_aggregate_leaves_without_review_where_the_zone_says_auto(
    sqlite_world: World,
) -> None:
    write_sample(sqlite_world.lab, rows=2_003)
    _auto(sqlite_world)
    entry = output(sqlite_world, "SELECT city, count(*) AS n FROM merchants GROUP BY city")
    assert (entry["disposition"], entry["released"]) == ("released", True)
    job_id = entry["dataset"].removeprefix("job-").removesuffix("-result")
    shown = sqlite_world.get("a-eng", f"{JOBS}/{job_id}/outputs/result").json()
    assert all(r["n"] % 5 == 0 for r in shown["rows"])
    row_level = output(sqlite_world, "SELECT city FROM merchants")
    assert row_level["disposition"] == "kept"


def test_where_the_zone_says_auto_an_aggregate_a_person_must_look_at_still_waits(
    sqlite_world: World,
) -> None:
    """max() picks one merchant's value: proved aggregate, but auto is not enough."""
    write_sample(sqlite_world.lab, rows=700)
    _auto(sqlite_world)
    entry = output(sqlite_world, "SELECT city, max(sales) AS top FROM merchants GROUP BY city")
    assert (entry["lineage"], entry["disposition"], entry["released"]) == (
        "aggregate",
        "review",
        False,
    )
