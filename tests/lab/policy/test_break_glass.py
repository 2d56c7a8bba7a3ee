"""`lab admin recover`: the operator console gives the administration back, audited.

The lab is locked out the ways the guard cannot see (the store edited behind the services'
back, or the services called without the guard), then recovered; admin tokens and the
console work again and the audit chain names the operator and verifies.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from audit import EventFilter, verify
from lab.authz import admin as policy_admin
from lab.authz.admin import Rule
from lab.authz.models import casbin_rule
from lab.cli.common import CLI_PRINCIPAL
from lab.cli.main import app
from lab.context import Lab
from lab.errors import Forbidden, InvalidInput, NotFound
from lab.identity.models import User
from lab.policy import service as policy
from lab.policy.recovery import recover, seed_administration_rules
from lab.settings import Settings
from tests.lab.factories import World

ADMIN_RULE = Rule("admin", "*", "platform/*", "*", "allow")
PROBE_RULE = {"role": "viewer", "tenant": "acme", "obj": "sandbox/probe/*", "action": "read"}
OVERRIDE = Rule("admin", "*", "platform/policy/*", "*", "deny")
TOKEN = re.compile(r"lab_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}")


def _administers(world: World, who: str) -> bool:
    added = world.post(who, "/v1/policy/rules", json=PROBE_RULE)
    if added.status_code != 201:
        return False
    assert world.delete(who, "/v1/policy/rules", json=PROBE_RULE).status_code == 200
    return True


def _console_administers(lab: Lab) -> bool:
    try:
        policy.list_rules(lab, CLI_PRINCIPAL)
    except (Forbidden, NotFound):
        return False
    return True


def _recover_events(lab: Lab) -> list[Any]:
    with lab.read() as session:
        return list(lab.audit_log.query(session.connection(), EventFilter(action="admin.recover")))


def _chain_intact(lab: Lab) -> bool:
    with lab.read() as session:
        return verify(session.connection(), lab.audit_public_key).ok


def _lock_out_through_the_services(lab: Lab) -> None:
    """The fuzzer's change, made by the store functions without the guard."""
    with lab.transaction() as session:
        policy_admin.remove_rule(session, "system:test", ADMIN_RULE)
    lab.policy.refresh(force=True)


def test_the_seed_rule_that_administers_is_found_by_the_engine(world: World) -> None:
    assert seed_administration_rules(world.lab.policy.model_text) == [ADMIN_RULE]


def test_recover_after_the_admin_rule_was_removed(world: World) -> None:
    lab = world.lab
    _lock_out_through_the_services(lab)
    assert not _administers(world, "root")
    assert not _console_administers(lab)

    done = recover(
        lab, operator="Dana Ops", reason="a fuzzer removed the admin rule", os_user="dana"
    )

    assert done.rules_added == [ADMIN_RULE]
    assert done.rules_removed == [] and done.assignments_added == []
    assert _administers(world, "root")
    assert _console_administers(lab)
    [event] = _recover_events(lab)
    assert event.actor == "operator:Dana Ops"
    assert event.details["operator"] == "Dana Ops"
    assert event.details["os_user"] == "dana"
    assert event.details["reason"] == "a fuzzer removed the admin rule"
    assert event.details["rules_added"] == ["admin, *, platform/*, *, allow"]
    with lab.read() as session:
        changes = policy_admin.history(session, limit=10)
    [change] = [c for c in changes if c.version in event.details["policy_versions"]]
    assert change.actor == "operator:Dana Ops" and change.op == "add_rule"
    assert _chain_intact(lab)


def test_recover_after_the_store_was_edited_behind_the_services_back(world: World) -> None:
    """Every admin stripped and disabled, the console unassigned, and a deny rule on top,
    all by direct edits of the metastore (no policy version, no audit event)."""
    lab = world.lab
    survivor = {**PROBE_RULE, "obj": "sandbox/survivor/*"}
    assert world.post("root", "/v1/policy/rules", json=survivor).status_code == 201
    with lab.transaction() as session:
        c = casbin_rule.c
        session.execute(sa.delete(casbin_rule).where(c.ptype == "g", c.v1 == "admin"))
        session.execute(
            sa.insert(casbin_rule).values(
                ptype="p", v0="admin", v1="*", v2="platform/policy/*", v3="*", v4="deny"
            )
        )
        session.execute(
            sa.update(User).where(User.name == "root").values(disabled_at=sa.func.now())
        )
    # A restart would load it: the engine reloads on a version change, so make one elsewhere.
    with lab.transaction() as session:
        policy_admin.add_rule(
            session, "system:test", Rule("viewer", "acme", "sandbox/x", "read", "allow")
        )
    lab.policy.refresh(force=True)
    assert world.get("root", "/v1/policy/rules").status_code == 401  # root is disabled
    assert not _console_administers(lab)

    done = recover(
        lab,
        operator="Dana Ops",
        reason="restored metastore lost the admins",
        os_user="dana",
        user="root",
        issue_token=True,
    )

    assert done.rules_removed == [OVERRIDE]
    assert {(a.subject, a.role) for a in done.assignments_added} == {
        ("system:cli", "admin"),
        ("root", "admin"),
    }
    assert done.user_enabled == "root"
    assert done.token is not None
    world.tokens["root"] = done.token.secret
    assert _administers(world, "root")
    assert _console_administers(lab)
    with lab.read() as session:
        assert Rule(**survivor, effect="allow") in policy_admin.list_rules(session)
    [event] = _recover_events(lab)
    assert event.details["rules_removed"] == ["admin, *, platform/policy/*, *, deny"]
    assert event.details["user_enabled"] == "root"
    assert event.details["token_id"] == done.token.token.id
    assert _chain_intact(lab)


def test_recover_restores_administration_only(world: World) -> None:
    """A seed rule an admin removed on purpose stays removed."""
    lab = world.lab
    dataset_rule = {"role": "admin", "tenant": "*", "obj": "sandbox/datasets", "action": "read"}
    assert world.delete("root", "/v1/policy/rules", json=dataset_rule).status_code == 200
    _lock_out_through_the_services(lab)
    recover(lab, operator="Dana", reason="locked out", os_user="dana")
    with lab.read() as session:
        rules = policy_admin.list_rules(session)
    assert ADMIN_RULE in rules
    assert Rule(**dataset_rule, effect="allow") not in rules


def test_recover_on_an_intact_lab_changes_nothing_but_is_recorded(world: World) -> None:
    lab = world.lab
    with lab.read() as session:
        version = policy_admin.current_version(session)
    done = recover(lab, operator="Dana", reason="drill", os_user="dana")
    assert done.versions == [] and done.rules_added == []
    with lab.read() as session:
        assert policy_admin.current_version(session) == version
    assert len(_recover_events(lab)) == 1


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"operator": "  ", "reason": "r"}, "operator must not be empty"),
        ({"operator": "Dana", "reason": ""}, "reason must not be empty"),
        ({"operator": "Dana\x1b[2J", "reason": "r"}, "printable"),
        ({"operator": "Dana", "reason": "r" * 501}, "at most 500"),
        ({"operator": "Dana", "reason": "r", "issue_token": True}, "needs --user"),
        ({"operator": "Dana", "reason": "r", "user": "a-owner"}, "platform staff only"),
        ({"operator": "Dana", "reason": "r", "user": "ghost"}, "not found"),
    ],
    ids=[
        "no-operator",
        "no-reason",
        "control-chars",
        "long-reason",
        "token-of-nobody",
        "tenant-user",
        "unknown-user",
    ],
)
def test_recover_refuses_what_it_cannot_record_or_do(
    world: World, kwargs: dict[str, Any], says: str
) -> None:
    lab = world.lab
    _lock_out_through_the_services(lab)
    with pytest.raises((InvalidInput, NotFound)) as refused:
        recover(lab, os_user="dana", **kwargs)
    assert says in refused.value.message
    assert not _console_administers(lab)  # nothing was committed
    assert _recover_events(lab) == []


# -- the command ------------------------------------------------------------------------------

runner = CliRunner()


def _run(home: Path, *args: str, **kw: Any) -> tuple[int, str]:
    env = {"LAB_HOME": str(home), "LAB_POLICY_REFRESH_SECONDS": "0"}
    result = runner.invoke(app, list(args), env=env, **kw)
    return result.exit_code, result.output


def test_the_console_command_recovers_a_locked_out_lab(tmp_path: Path) -> None:
    home = tmp_path / "home"
    code, out = _run(home, "init", "--admin", "boss")
    assert code == 0, out
    # Through the front door the lockout is refused, and the dry-run says why.
    code, out = _run(home, "policy", "remove", "admin", "platform/*", "*", "--dry-run")
    assert code == 3 and "would leave no active user" in out
    code, out = _run(home, "policy", "remove", "admin", "platform/*", "*")
    assert code == 1 and "would leave no active user" in out
    code, out = _run(home, "policy", "unassign", "boss", "admin", "--dry-run")
    assert code == 3 and "would be refused" in out
    code, out = _run(home, "policy", "add", "viewer", "sandbox/x/*", "read", "--dry-run")
    assert code == 0 and "would be made" in out
    # Behind its back, it is not.
    lab = Lab.open(Settings(_env_file=None, home=home))
    try:
        _lock_out_through_the_services(lab)
    finally:
        lab.close()
    code, out = _run(home, "policy", "rules")
    assert code == 1 and "not allowed" in out

    code, out = _run(home, "admin", "recover", input="Dana Ops\nfuzzer removed the admin rule\n")
    assert code == 0, out
    assert "rule restored: admin, *, platform/*, *, allow" in out
    assert "admin.recover by Dana Ops" in out
    code, out = _run(home, "policy", "rules")
    assert code == 0, out
    code, out = _run(home, "audit", "verify")
    assert code == 0 and "intact" in out

    code, out = _run(
        home,
        "admin",
        "recover",
        "--operator",
        "Dana",
        "--reason",
        "new token",
        "--user",
        "boss",
        "--issue-token",
    )
    assert code == 0, out
    assert TOKEN.search(out)


def test_the_console_command_insists_on_a_name_and_a_reason(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _run(home, "init")[0] == 0
    code, out = _run(home, "admin", "recover", "--operator", "Dana", input="\n")
    assert code != 0
    code, out = _run(home, "admin", "recover", "--operator", " ", "--reason", "r")
    assert code == 1 and "operator must not be empty" in out
