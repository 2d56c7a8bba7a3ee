"""A lab made from an older seed learns which rules the seed has gained: `lab policy
seed-diff` lists them, and `--apply` adds them as versioned, audited changes."""

from __future__ import annotations

from lab.authz import admin as policy_admin
from tests.lab.factories import World
from tests.lab.releases.test_release_cli import lab

CANCEL = policy_admin.Rule("engineer", "*", "sandbox/*", "cancel", "allow")
REVIEW = policy_admin.Rule("output_checker", "*", "sandbox/releases/*", "review", "allow")


def _held(world: World) -> set[tuple[str, ...]]:
    with world.lab.read() as session:
        return {rule.values() for rule in policy_admin.list_rules(session)}


def test_rules_the_seed_gained_are_listed_then_added_on_request(world: World) -> None:
    with world.lab.transaction() as session:  # as if seeded before these rules existed
        for rule in (CANCEL, REVIEW):
            policy_admin.remove_rule(session, "system:test", rule)
    world.lab.policy.refresh(force=True)
    assert CANCEL.values() not in _held(world)

    code, out = lab(world, "root", "policy", "seed-diff")
    assert code == 0, out
    assert "cancel" in out and "output_checker" in out and "2 rule(s)" in out
    assert CANCEL.values() not in _held(world)  # listing changes nothing

    code, out = lab(world, "root", "policy", "seed-diff", "--apply")
    assert code == 0, out
    assert {CANCEL.values(), REVIEW.values()} <= _held(world)
    code, out = lab(world, "root", "policy", "seed-diff")
    assert code == 0 and "holds every rule of the seed" in out


def test_only_those_who_may_read_the_rules_see_the_difference(world: World) -> None:
    code, out = lab(world, "a-eng", "policy", "seed-diff", "--apply")
    assert code != 0 and "not allowed" in out
