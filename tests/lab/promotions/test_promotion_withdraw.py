"""Withdrawing a promotion request: only its author, only while it is pending. Everyone
else is refused and the refusal audited; a withdrawn request is never approved, nothing is
deployed, and the model version may be asked for again."""

from __future__ import annotations

from typing import Any

import pytest

from jobs.engines.python import sandbox_available
from tests.lab.factories import World
from tests.lab.promotions.helpers import DEPLOYED, cli, promote, review
from tests.lab.releases.jobs import events

pytestmark = pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available()))
MISSING = "0000000000000000"


def withdraw(world: World, who: str, promotion_id: str) -> Any:
    return world.post(who, f"/v1/promotions/{promotion_id}/withdraw")


def test_only_the_author_withdraws_a_pending_request(trained_world: World) -> None:
    world = trained_world
    world.user("a-eng2", tenant="acme", roles=["engineer"])
    asked = promote(world, "a-eng", 1).json()
    pid = asked["id"]
    here = f"production/promotions/{pid}"

    # (who, the audited event of the refusal, its resource, outcome): the other engineer and the
    # owner pass the policy and are refused by the author rule; compliance may read the
    # request but not `promote` the model; an admin may not even read it
    others = [
        ("a-eng2", "promotion.withdraw", here, "refused"),
        ("a-owner", "promotion.withdraw", here, "refused"),
        ("carol", "access.promote", "sandbox/models/gbm/versions/1", "denied"),
        ("root", "access.read", here, "denied"),
    ]
    for who, action, resource, outcome in others:
        answer = withdraw(world, who, pid)
        assert answer.status_code == 403, (who, answer.text)
        (last,) = events(world, action, actor=who)[-1:]
        assert last["resource"] == resource, who
        assert last["outcome"] == outcome, (who, last)
    assert world.get("a-eng", f"/v1/promotions/{pid}").json()["state"] == "pending"

    # another tenant's engineer, and anyone asking of no request: the same `not found`
    foreign = withdraw(world, "g-eng", pid)
    missing = withdraw(world, "a-eng", MISSING)
    assert foreign.status_code == missing.status_code == 404
    assert (
        foreign.json()["error"]["message"].replace(pid, MISSING)
        == (missing.json()["error"]["message"])
    )
    assert withdraw(world, "carol", MISSING).status_code == 404  # a reader learns it is not there

    # the author: withdrawn, audited, never approved afterwards, nothing deployed
    done = withdraw(world, "a-eng", pid)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "withdrawn"
    ok = [e for e in events(world, "promotion.withdraw", tenant="acme") if e["outcome"] == "ok"]
    assert [(e["actor"], e["resource"], e["details"]["state"]) for e in ok] == [
        ("a-eng", here, "withdrawn")
    ]
    assert withdraw(world, "a-eng", pid).status_code == 409  # not pending any more
    assert review(world, "carol", pid).status_code == 409
    assert world.get("a-eng", DEPLOYED).json() == []

    # the version is free again; a decided request cannot be withdrawn
    again = promote(world, "a-eng", 1)
    assert again.status_code == 201, again.text
    new_id = again.json()["id"]
    assert review(world, "carol", new_id, "reject").json()["state"] == "rejected"
    late = withdraw(world, "a-eng", new_id)
    assert late.status_code == 409 and "rejected" in late.json()["error"]["message"]
    refused = events(world, "promotion.withdraw", actor="a-eng", outcome="refused")
    assert [e["resource"] for e in refused] == [here, f"production/promotions/{new_id}"]


def test_the_author_withdraws_from_the_cli(trained_sqlite_world: World) -> None:
    world = trained_sqlite_world
    pid = promote(world, "a-eng", 2).json()["id"]
    code, out = cli(world, "a-owner", "promotions", "withdraw", pid)
    assert code == 1 and "only the author" in out
    code, out = cli(world, "a-eng", "promotions", "withdraw", pid)
    assert code == 0 and "withdrawn" in out, out
    code, out = cli(world, "a-eng", "promotions", "withdraw", MISSING)
    assert code == 1 and "not found" in out
    code, out = cli(world, "a-eng", "promotions", "withdraw", "--help")
    assert code == 0 and "Take back your own pending request" in out
