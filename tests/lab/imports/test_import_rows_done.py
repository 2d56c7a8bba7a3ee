"""A finished import reports the rows it read, however quickly it ran: its last progress is
recorded with its end, not only by a heartbeat that a short import never reaches."""

from __future__ import annotations

import json

from tests.lab.factories import World
from tests.lab.imports.test_imports import imports_url, run_worker


def test_a_short_import_reports_every_row_it_read(world: World) -> None:
    spec = {"source": {"kind": "synthetic", "rows": 150}}
    response = world.post(
        "a-eng",
        imports_url(),
        data={"dataset": "small"},
        files={"spec": ("spec.json", json.dumps(spec).encode())},
    )
    assert response.status_code == 202, response.text
    record = run_worker(world, response.json()["id"])
    assert record["state"] == "succeeded", record
    assert record["rows_done"] == record["report"]["rows_in"] == 150
    listed = world.get("a-eng", imports_url()).json()
    assert [r["rows_done"] for r in listed] == [150]
