"""Finished jobs with outputs in the shape of the output contract, made directly.

The airlock is tested without running engines: a job item whose `result["outputs"]` holds
entries as the handler writes them (disposition, reason, lineage, version), and the
versions those entries name, written through the lab's own dataset and file stores.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from audit.store import events_table
from lab.auditing import Actor
from lab.datasets.service import write_dataset
from lab.runs.artifacts import store_files
from lab.work.models import SUCCEEDED
from lab.work.queue import submit
from tests.lab.factories import World

QUERY = "SELECT city, count(*) AS n FROM merchants GROUP BY city"
BY_CITY = pa.table({"city": ["Hangzhou", "Shanghai", 'Beijing, "north"'], "n": [40, 25, None]})
ROWS = pa.table({"name": ["Li Wei", "Zhang Min"], "phone": ["13800000000", "13900000000"]})


def png_bytes() -> bytes:
    """A real 2x1 PNG (it holds NUL, CR and LF bytes: a text round trip would break it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\x0d\x0a\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def table_output(
    world: World, job_id: str, name: str, table: pa.Table, *, tenant: str, zone: str, **entry: Any
) -> dict[str, Any]:
    stored = write_dataset(
        world.lab,
        Actor("a-eng"),
        tenant=tenant,
        zone=zone,
        name=f"job-{job_id}-{name}",
        batches=table.to_batches(),
        schema=table.schema,
        kind="job_output",
    )
    return {
        "sensitivity": "moderately_sensitive",
        "kind": "table",
        "disposition": "review",
        "released": False,
        "reason": "aggregate; cells under 10 suppressed; leaves after review",
        "lineage": "aggregate",
        "tenant": tenant,
        "dataset": f"job-{job_id}-{name}",
        "version_id": stored.id,
        "rows": table.num_rows,
        "file_name": None,
        "findings": [],
        **entry,
    }


def file_output(
    world: World, job_id: str, name: str, file_name: str, content: bytes, *, tenant: str, zone: str
) -> dict[str, Any]:
    stored = store_files(
        world.lab,
        Actor("a-eng"),
        tenant=tenant,
        zone=zone,
        dataset=f"job-{job_id}-{name}",
        files={file_name: content},
        kind="job_output",
        lineage={"job": job_id, "output": name},
    )
    return {
        "sensitivity": "moderately_sensitive",
        "kind": "file",
        "disposition": "review",
        "released": False,
        "reason": "a python output cannot be proved aggregate: it leaves after review",
        "lineage": "unproven",
        "tenant": tenant,
        "dataset": f"job-{job_id}-{name}",
        "version_id": stored.id,
        "rows": None,
        "file_name": file_name,
        "findings": [{"rule": "file_type", "message": "png checked", "column": None}],
    }


def finished_job(
    world: World,
    *,
    tenant: str = "acme",
    zone: str = "sandbox",
    submitter: str = "a-eng",
    state: str = SUCCEEDED,
) -> str:
    """A job of `tenant` with a `by_city` table and a `plot` PNG for review, and a
    row-level `people` table the gate kept in the zone."""
    with world.lab.transaction() as session:
        item = submit(
            session,
            kind="job",
            tenant=tenant,
            zone=zone,
            name="merchant-stats",
            submitter=submitter,
            spec={"job": {"engine": "sql", "code": {"query": QUERY}, "zone": zone}},
        )
        job_id = item.id
    outputs = {
        "by_city": table_output(world, job_id, "by_city", BY_CITY, tenant=tenant, zone=zone),
        "plot": file_output(
            world, job_id, "plot", "plot.png", png_bytes(), tenant=tenant, zone=zone
        ),
        "people": table_output(
            world,
            job_id,
            "people",
            ROWS,
            tenant=tenant,
            zone=zone,
            disposition="kept",
            lineage="row_level",
            reason="row-level output and the sandbox lets no row-level data leave",
        ),
    }
    with world.lab.transaction() as session:
        row = session.get(type(item), job_id)
        assert row is not None
        row.state, row.status = state, state
        row.result = {
            "engine": "sql",
            "inputs": {"merchants": {"dataset": "merchants", "version": 1}},
            "outputs": outputs,
        }
    return job_id


def events(world: World, action: str, **where: str) -> list[dict[str, Any]]:
    """Audit events of one action, oldest first, with their details parsed."""
    import json

    query = sa.select(events_table).where(events_table.c.action == action)
    for column, value in where.items():
        query = query.where(events_table.c[column] == value)
    with world.lab.engine.connect() as conn:
        rows = conn.execute(query.order_by(events_table.c.seq)).mappings().all()
    return [{**row, "details": json.loads(row["details"])} for row in rows]


def release_via_review(
    world: World,
    base: str,
    job_id: str,
    outputs: list[str],
    *,
    requester: str = "a-eng",
    reviewers: tuple[str, ...] = ("carol",),
) -> dict[str, Any]:
    """Ask for outputs of a job through the API and approve them until they are released:
    for tests of engines and the gate that then fetch what a partner would get.
    `base` is `/v1/tenants/<tenant>/zones/<zone>`."""
    zone = base.rstrip("/").rsplit("/", 1)[-1]
    body = {"job_id": job_id, "outputs": outputs, "purpose": "test"}
    made = world.post(requester, f"{base}/releases", json=body)
    assert made.status_code == 201, made.text
    request: dict[str, Any] = made.json()
    for reviewer in reviewers:
        url = f"/v1/zones/{zone}/releases/{request['id']}/review"
        decided = world.post(reviewer, url, json={"decision": "approve", "comment": "test"})
        assert decided.status_code == 200, decided.text
        request = decided.json()
    assert request["state"] == "released", request
    return request
