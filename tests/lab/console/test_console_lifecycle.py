"""Legal holds from the console, in process: compliance places and lifts them, an engineer
is refused, and a hold without its CSRF token or reason changes nothing."""

from __future__ import annotations

import pyarrow as pa
import pytest

from lab.auditing import Actor
from lab.datasets.service import write_dataset
from tests.lab.console.test_console_rules import count_events, login
from tests.lab.factories import World

URL = "/console/data/acme/sandbox/merchants/1/hold"


@pytest.fixture
def world(sqlite_world: World) -> World:
    table = pa.table({"city": ["Hangzhou"], "n": [40]})
    write_dataset(
        sqlite_world.lab,
        Actor("a-eng"),
        tenant="acme",
        zone="sandbox",
        name="merchants",
        batches=table.to_batches(),
        schema=table.schema,
    )
    return sqlite_world


def _held(world: World) -> bool:
    versions = world.get("a-eng", "/v1/tenants/acme/zones/sandbox/datasets").json()
    return bool(next(v for v in versions if v["name"] == "merchants")["legal_hold"])


def test_compliance_places_and_lifts_a_hold(world: World) -> None:
    client, csrf = login(world, "carol")
    placed = client.post(URL, data={"csrf": csrf, "action": "place", "reason": "case 1"})
    assert placed.status_code == 200 and "Lift hold" in placed.text
    assert _held(world)
    client.post(URL, data={"csrf": csrf, "action": "lift", "reason": "case closed"})
    assert not _held(world)


@pytest.mark.parametrize(
    ("who", "data", "status"),
    [
        ("a-eng", {"action": "place", "reason": "mine"}, (403, 404)),
        ("carol", {"action": "place", "reason": "x"}, (400,)),
        ("carol", {"action": "destroy", "reason": "case 1"}, (400,)),
        ("carol", {"action": "place", "reason": "case 1", "csrf": "wrong"}, (403,)),
    ],
)
def test_a_wrong_hold_changes_nothing(
    world: World, who: str, data: dict[str, str], status: tuple[int, ...]
) -> None:
    client, csrf = login(world, who)
    answer = client.post(URL, data={"csrf": csrf, **data})
    assert answer.status_code in status
    assert not _held(world)


def test_an_engineer_sees_their_tenant_s_datasets_only(world: World) -> None:
    client, _ = login(world, "a-eng")
    page = client.get("/console/data")
    assert page.status_code == 200 and "merchants" in page.text
    assert client.get("/console/data?tenant=globex").status_code in (403, 404)


def _data_questions(world: World, who: str, decision: str) -> int:
    """`who`'s audited questions about the sandbox's datasets, with this decision."""
    return count_events(
        world, actor=who, action="access.read", resource="sandbox/datasets", decision=decision
    )


def test_staff_naming_no_tenant_are_asked_and_choose_one(world: World) -> None:
    """Compliance belongs to no tenant: the page asks the navigation entry's question,
    audited, and offers the tenants to choose from, each a link to its datasets."""
    client, _ = login(world, "carol")
    before = _data_questions(world, "carol", "allow")
    page = client.get("/console/data")
    assert page.status_code == 200
    assert _data_questions(world, "carol", "allow") == before + 1
    assert '<option value="acme">acme</option>' in page.text
    assert '<a href="/console/data?tenant=globex&amp;zone=sandbox">globex</a>' in page.text
    assert "Name a tenant" not in page.text
    chosen = client.get("/console/data?tenant=acme&zone=sandbox")
    assert 'data-name="merchants"' in chosen.text
    assert '<option value="acme" selected>acme</option>' in chosen.text  # still a chooser


def test_staff_the_data_page_refuses_are_told_so_and_the_refusal_is_audited(
    world: World,
) -> None:
    """A platform account with no role opens no dataset: the page is a 403, and the
    refusal is on the trail."""
    world.user("dora")
    client, _ = login(world, "dora", home=False)
    before = _data_questions(world, "dora", "deny")
    page = client.get("/console/data")
    assert page.status_code == 403 and "Not allowed" in page.text
    assert _data_questions(world, "dora", "deny") == before + 1
