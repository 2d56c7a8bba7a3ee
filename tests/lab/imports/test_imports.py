"""Imports end to end: upload, desensitize, store encrypted; no raw PII survives; bad input
leaves nothing; production keeps the data but pseudonymizes identifiers with the owner's key."""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import timedelta
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from connectors.sources.synthetic import SyntheticSource
from lab.datasets.service import list_versions
from lab.work.handlers import HANDLERS
from lab.work.queue import cancel
from lab.work.worker import Worker
from tests.lab.factories import World

PII = ["name", "id_number", "mobile", "bank_card", "uscc", "email", "address"]


def imports_url(tenant: str = "acme", zone: str = "sandbox") -> str:
    return f"/v1/tenants/{tenant}/zones/{zone}/imports"


def synthetic(rows: int, seed: int = 7) -> pa.Table:
    return pa.Table.from_batches(SyntheticSource(rows=rows, seed=seed).batches())


def as_csv(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    return buffer.getvalue()


def upload(
    world: World,
    who: str,
    data: bytes,
    spec: dict[str, Any],
    *,
    dataset: str = "merchants",
    zone: str = "sandbox",
    filename: str = "merchants.csv",
) -> Any:
    return world.post(
        who,
        imports_url(zone=zone),
        data={"dataset": dataset},
        files={"spec": ("spec.json", json.dumps(spec).encode()), "data": (filename, data)},
    )


def run_worker(world: World, import_id: str) -> dict[str, Any]:
    assert Worker(world.lab, HANDLERS).run_once() == import_id
    record: dict[str, Any] = world.get("a-eng", f"{imports_url()}/{import_id}").json()
    return record


def stored(world: World, zone: str = "sandbox", name: str = "merchants") -> pa.Table:
    with world.lab.read() as session:
        [version] = list_versions(session, tenant="acme", zone=zone, name=name)
        return world.lab.store.read_table(session, version.id)


def test_an_uploaded_csv_is_desensitized_and_no_raw_pii_survives(world: World) -> None:
    raw = synthetic(3000)
    response = upload(world, "a-eng", as_csv(raw), {"source": {"kind": "csv"}})
    assert response.status_code == 202, response.text
    record = run_worker(world, response.json()["id"])
    assert record["state"] == "succeeded", record
    report = record["report"]
    assert report["rows_in"] == 3000 and report["rows_out"] <= 3000
    assert report["passes"] == 1  # k-anonymity held at the planned levels: read once
    found = {c["column"]: c for c in report["columns"]}
    for column in ("id_number", "mobile", "bank_card", "uscc", "email"):
        assert found[column]["classification"] == "identifier", found[column]
        assert found[column]["evidence"]
    table = stored(world)
    cells = {str(v) for col in table.columns for v in col.to_pylist() if v is not None}
    for column in PII:
        leaked = set(raw.column(column).to_pylist()) & cells
        assert not leaked, f"raw {column} values stored: {sorted(leaked)[:3]}"
    assert not (world.lab.settings.home / "work" / record["id"]).exists()


def test_an_import_may_name_its_entity_key_and_it_must_survive_the_import(world: World) -> None:
    data = as_csv(synthetic(300))
    spec = {"source": {"kind": "csv"}, "entity_key": "merchant_id"}
    record = run_worker(world, upload(world, "a-eng", data, spec).json()["id"])
    assert record["state"] == "succeeded", record
    with world.lab.read() as session:
        [version] = list_versions(session, tenant="acme", zone="sandbox", name="merchants")
    assert version.lineage["entity_key"] == "merchant_id"
    dropped = {
        "source": {"kind": "csv"},
        "entity_key": "merchant_id",
        "columns": {"merchant_id": {"operator": "drop"}},
    }
    failed = run_worker(world, upload(world, "a-eng", data, dropped, dataset="m2").json()["id"])
    assert (failed["state"], failed["status"]) == ("failed", "invalid-input")
    assert "entity_key" in failed["message"]


def test_when_one_pass_is_not_enough_the_import_reads_twice_and_keeps_one_version(
    world: World,
) -> None:
    born = [f"{1980 + i % 2}-{1 + (i * 7) % 12:02d}-{1 + i % 28:02d}" for i in range(200)]
    data = "birth_date,income\n" + "".join(f"{b},{i}.5\n" for i, b in enumerate(born))
    response = upload(world, "a-eng", data.encode(), {"source": {"kind": "csv"}, "k": 20})
    record = run_worker(world, response.json()["id"])
    assert record["state"] == "succeeded", record
    assert record["report"]["passes"] == 2  # months were too fine for k=20: years, re-read
    assert record["report"]["k_anonymity"]["generalization_steps"]
    with world.lab.read() as session:
        versions = list_versions(session, tenant="acme", zone="sandbox", live_only=False)
    # the first attempt's version was abandoned like any failed write (key shredded, files
    # removed, rows forgotten): the one version, number 1, is the second pass's
    assert [(v.version, v.state) for v in versions] == [(1, "ready")]
    assert set(stored(world).column("birth_date").to_pylist()) == {"1980", "1981"}


def test_bad_input_fails_naming_the_row_and_leaves_no_dataset(world: World) -> None:
    good = as_csv(synthetic(50)).decode()
    lines = good.splitlines()
    lines[5] = lines[5] + ',"one","too many"'
    response = upload(world, "a-eng", "\n".join(lines).encode(), {"source": {"kind": "csv"}})
    record = run_worker(world, response.json()["id"])
    assert record["state"] == "failed" and record["status"] == "invalid-input"
    assert "row 6" in record["message"]
    with world.lab.read() as session:
        assert list_versions(session, tenant="acme", zone="sandbox", live_only=False) == []
    empty = upload(world, "a-eng", b"", {"source": {"kind": "csv"}})
    assert empty.status_code == 400
    assert list((world.lab.settings.home / "work").iterdir()) == []  # nothing left behind


def test_the_api_takes_no_server_paths_and_no_database_urls(world: World) -> None:
    for source in (
        {"kind": "csv", "path": "/etc/passwd"},
        {"kind": "sql", "url": "postgresql://postgres@127.0.0.1/postgres", "table": "pg_user"},
    ):
        response = world.post(
            "a-eng",
            imports_url(),
            data={"dataset": "x"},
            files={"spec": ("spec.json", json.dumps({"source": source}).encode())},
        )
        assert response.status_code == 400, source


def test_other_tenants_and_viewers_cannot_import(world: World) -> None:
    data = as_csv(synthetic(20))
    assert upload(world, "g-eng", data, {"source": {"kind": "csv"}}).status_code == 404
    assert upload(world, "a-viewer", data, {"source": {"kind": "csv"}}).status_code == 403


def test_production_keeps_the_rows_and_pseudonyms_join_with_the_sandbox(world: World) -> None:
    raw = synthetic(400)
    spec = {
        "source": {"kind": "csv"},
        "sample": {"n": 100, "seed": 1},
        "columns": {"address": {"operator": "drop"}},  # 100 rows cannot hide provinces at k=5
    }
    sandbox = upload(world, "a-eng", as_csv(raw), spec)
    assert run_worker(world, sandbox.json()["id"])["state"] == "succeeded"
    production = upload(
        world, "a-owner", as_csv(raw), {"source": {"kind": "csv"}}, zone="production"
    )
    assert production.status_code == 202, production.text
    assert Worker(world.lab, HANDLERS).run_once() == production.json()["id"]
    full, sample = stored(world, "production"), stored(world, "sandbox")
    assert full.num_rows == 400 and sample.num_rows <= 100
    assert set(full.column_names) >= {"id_number", "monthly_sales", "default"}
    assert set(sample.column("id_number").to_pylist()) <= set(full.column("id_number").to_pylist())
    assert not set(raw.column("id_number").to_pylist()) & set(full.column("id_number").to_pylist())
    assert full.column("monthly_sales").to_pylist() == raw.column("monthly_sales").to_pylist()


def test_an_upload_named_to_escape_the_workspace_stays_inside(world: World) -> None:
    for name in ("..", ".", "../../etc/x.csv", "/abs/m.csv", "名单.csv"):
        response = upload(
            world,
            "a-eng",
            as_csv(synthetic(30)),
            {"source": {"kind": "csv"}, "columns": {"address": {"operator": "drop"}}},
            filename=name,
            dataset="escape",
        )
        assert response.status_code == 202, (name, response.text)
        record = run_worker(world, response.json()["id"])
        assert record["state"] == "succeeded", (name, record)
    assert not (world.lab.settings.home / "etc").exists()


def test_a_cancelled_import_stops_and_leaves_no_dataset(world: World) -> None:
    spec = {"source": {"kind": "synthetic", "rows": 400_000}}
    response = world.post(
        "a-eng",
        imports_url(),
        data={"dataset": "big"},
        files={"spec": ("spec.json", json.dumps(spec).encode())},
    )
    import_id = response.json()["id"]
    worker = Worker(world.lab, HANDLERS, lease=timedelta(seconds=0.3))
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if world.get("a-eng", f"{imports_url()}/{import_id}").json()["rows_done"] > 0:
            break
        time.sleep(0.05)
    with world.lab.transaction() as session:
        cancel(session, import_id, tenant="acme", kind="import", zone="sandbox")
    thread.join(120)
    record = world.get("a-eng", f"{imports_url()}/{import_id}").json()
    assert record["state"] == "cancelled", record
    with world.lab.read() as session:
        assert list_versions(session, tenant="acme", zone="sandbox", live_only=True) == []
    assert not (world.lab.settings.home / "work" / import_id).exists()
    deadline = time.monotonic() + 5  # the pipeline's read-ahead thread stops too
    while any("_produce" in t.name for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any("_produce" in t.name for t in threading.enumerate())
