"""A realistic sensitive input and a way to see everything a partner can read about a job.

`write_people` stores a small merchant table with names, resident ID numbers, mobile
numbers and addresses (Faker, zh_CN, seeded), where each merchant appears in several rows
(twelve rows each: a group of one merchant has more rows than k but one entity), and a
city of three merchants that must never be shown.
`partner_view` gathers every text a partner can obtain about a job through the API: its
status, its outputs (and their findings), its log, and any released content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import yaml
from faker import Faker

from lab.auditing import Actor
from lab.datasets.service import write_dataset
from lab.work.handlers import HANDLERS
from lab.work.worker import Worker
from tests.lab.factories import World

JOBS = "/v1/tenants/acme/zones/sandbox/jobs"
CITIES = ["杭州", "上海", "北京", "深圳"]
TINY_CITY = "拉萨"  # three merchants only: every group over it is below k


@dataclass(frozen=True)
class People:
    names: list[str]
    ids: list[str]
    mobiles: list[str]
    addresses: list[str]

    def secrets(self) -> set[str]:
        """Every identifying value of the input (at least two characters long)."""
        return {v for v in (*self.names, *self.ids, *self.mobiles, *self.addresses) if len(v) >= 2}


def write_people(world: World, *, merchants: int = 120, rows_each: int = 12) -> People:
    fake = Faker("zh_CN")
    fake.seed_instance(8)
    names, ids, mobiles, addresses = [], [], [], []
    for _ in range(merchants):
        names.append(fake.unique.name())
        ids.append(fake.unique.ssn())
        mobiles.append(fake.unique.phone_number())
        addresses.append(fake.unique.address())
    columns: dict[str, list[Any]] = {
        k: [] for k in ("merchant_id", "name", "id_number", "mobile", "address", "city", "sales")
    }
    for m in range(merchants):
        city = TINY_CITY if m < 3 else CITIES[m % len(CITIES)]
        for r in range(rows_each):
            columns["merchant_id"].append(f"M{m:05d}")
            columns["name"].append(names[m])
            columns["id_number"].append(ids[m])
            columns["mobile"].append(mobiles[m])
            columns["address"].append(addresses[m])
            columns["city"].append(city)
            columns["sales"].append(1_000 * (m + 1) + r)
    table = pa.table(columns)
    write_dataset(
        world.lab,
        Actor("a-owner"),
        tenant="acme",
        zone="sandbox",
        name="people",
        batches=table.to_batches(),
        schema=table.schema,
        classifications={
            "merchant_id": "identifier",
            "name": "identifier",
            "id_number": "identifier",
            "mobile": "identifier",
            "address": "identifier",
            "city": "quasi_identifier",
            "sales": "sensitive",
        },
        lineage={"connector": "synthetic", "entity_key": "merchant_id"},
    )
    return People(names, ids, mobiles, addresses)


def sql_spec(query: str, *, sensitivity: str = "moderately_sensitive") -> str:
    return yaml.safe_dump(
        {
            "name": "probe",
            "zone": "sandbox",
            "engine": "sql",
            "inputs": {"people": {"dataset": "people"}},
            "code": {"query": query},
            "outputs": {"result": {"sensitivity": sensitivity, "kind": "table"}},
            "resources": {"wall_seconds": 30, "memory_mb": 512},
        },
        allow_unicode=True,
    )


def run_job(world: World, spec: str, *, bundle: bytes | None = None) -> dict[str, Any]:
    files: dict[str, Any] = {"spec": ("job.yaml", spec.encode())}
    if bundle is not None:
        files["bundle"] = ("code.zip", bundle)
    response = world.post("a-eng", JOBS, files=files)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert Worker(world.lab, HANDLERS).run_once() == job_id
    job: dict[str, Any] = world.get("a-eng", f"{JOBS}/{job_id}").json()
    return job


def partner_view(world: World, job: dict[str, Any], who: str = "a-eng") -> str:
    """Everything `who` can read about the job through the API, as one text."""
    parts = [json.dumps(world.get(who, f"{JOBS}/{job['id']}").json(), ensure_ascii=False)]
    parts.append(world.get(who, f"{JOBS}/{job['id']}/logs").text)
    for name in job.get("outputs", {}):
        for fmt in ("json", "csv"):
            response = world.get(who, f"{JOBS}/{job['id']}/outputs/{name}", params={"format": fmt})
            parts.append(response.content.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def leaked(secrets: set[str], text: str) -> list[str]:
    return sorted(s for s in secrets if s in text)
