"""The dataset list tells imported data from what jobs wrote (`?origin=`): all by default, as
before, so existing clients see every dataset; `data` and `jobs` each only their own."""

from __future__ import annotations

import pytest

from lab.auditing import Actor
from lab.datasets.service import write_dataset
from tests.lab.factories import World
from tests.lab.retention.helpers import write_sample
from tests.lab.storage.factories import LABELS, SCHEMA, merchant_batches

DATASETS = "/v1/tenants/acme/zones/sandbox/datasets"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", ["job-0000000000000001-by_city", "merchants"]),
        ("?origin=all", ["job-0000000000000001-by_city", "merchants"]),
        ("?origin=data", ["merchants"]),
        ("?origin=jobs", ["job-0000000000000001-by_city"]),
    ],
)
def test_the_list_keeps_job_outputs_apart(
    sqlite_world: World, query: str, names: list[str]
) -> None:
    write_sample(sqlite_world.lab, rows=50)
    write_dataset(
        sqlite_world.lab,
        Actor("a-eng"),
        tenant="acme",
        zone="sandbox",
        name="job-0000000000000001-by_city",
        batches=merchant_batches(20),
        schema=SCHEMA,
        classifications=LABELS,
        lineage={"job": "0000000000000001", "output": "by_city"},
        kind="job_output",
    )
    response = sqlite_world.get("a-eng", DATASETS + query)
    assert response.status_code == 200, response.text
    assert sorted(v["name"] for v in response.json()) == names


def test_an_unknown_origin_is_refused(sqlite_world: World) -> None:
    response = sqlite_world.get("a-eng", DATASETS + "?origin=outputs")
    assert response.status_code in (400, 422)
