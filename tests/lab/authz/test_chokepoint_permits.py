"""`Chokepoint.permits`: the answer `authorize` would give, asked without recording it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from audit.store import events_table
from lab.authz.chokepoint import PLATFORM, Principal
from lab.errors import LabError
from tests.lab.factories import World

ASKED = [
    ("a-eng", "acme", "read", "zones", "platform"),
    ("a-eng", PLATFORM, "read", "policy/rules", "platform"),
    ("a-eng", "acme", "submit", "jobs", "sandbox"),
    ("a-eng", "globex", "submit", "jobs", "sandbox"),
    ("carol", PLATFORM, "read", "policy/rules", "platform"),
    ("root", "acme", "read", "datasets/x/rows", "sandbox"),
]


def _events(world: World) -> int:
    with world.lab.engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(events_table)) or 0)


@pytest.mark.parametrize(("user", "tenant", "action", "resource", "zone"), ASKED)
def test_permits_answers_as_authorize_and_records_nothing(
    sqlite_world: World, user: str, tenant: str, action: str, resource: str, zone: str
) -> None:
    chokepoint = sqlite_world.lab.chokepoint
    who = Principal(user, None if tenant == PLATFORM else "acme")
    before = _events(sqlite_world)
    permitted = chokepoint.permits(who, action=action, resource=resource, zone=zone, tenant=tenant)
    assert _events(sqlite_world) == before
    try:
        chokepoint.authorize(who, action=action, resource=resource, zone=zone, tenant=tenant)
        allowed = True
    except LabError:
        allowed = False
    assert _events(sqlite_world) == before + 1  # authorize records, allowed or not
    assert permitted is allowed


def test_a_zone_the_lab_lacks_is_never_permitted(sqlite_world: World) -> None:
    root = Principal("root", None)
    assert sqlite_world.lab.chokepoint.permits(root, action="read", resource="zones")
    assert not sqlite_world.lab.chokepoint.permits(
        root, action="read", resource="datasets", zone="elsewhere"
    )
