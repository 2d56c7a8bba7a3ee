"""Engines follow the stored policy: across engines, processes and threads."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from lab.authz import admin
from lab.authz.admin import RoleAssignment, Rule
from lab.authz.engine import PolicyEngine
from lab.authz.request import AccessRequest
from lab.errors import ConfigurationError

READ = AccessRequest("alice", "acme", "sandbox", "datasets/ds-1", "read")
RULE = Rule("engineer", "*", "sandbox/*", "read", "allow")
ALICE = RoleAssignment("alice", "engineer", "acme")
ROOT = Path(__file__).resolve().parents[3]


def test_two_engines_see_each_others_changes(
    reader: Engine, sessions: sessionmaker[Session]
) -> None:
    eager = PolicyEngine(reader, refresh_seconds=0)
    lazy = PolicyEngine(reader, refresh_seconds=3600)
    assert not eager.decide(READ).allowed and not lazy.decide(READ).allowed
    with sessions.begin() as s:
        admin.add_rule(s, "root", RULE)
        admin.assign_role(s, "root", ALICE)

    assert eager.decide(READ).allowed  # checks before every decision
    assert eager.version == 2
    assert not lazy.decide(READ).allowed  # cached, and not due to look yet
    lazy.refresh()
    assert not lazy.decide(READ).allowed
    lazy.refresh(force=True)
    assert lazy.version == 2
    assert lazy.decide(READ).allowed

    with sessions.begin() as s:
        admin.add_rule(s, "olga", Rule("engineer", "acme", "sandbox/datasets/*", "read", "deny"))
    lazy.refresh(force=True)
    for engine in (eager, lazy):
        decision = engine.decide(READ)
        assert not decision.allowed
        assert decision.rule == ("p", "engineer", "acme", "sandbox/datasets/*", "read", "deny")


def test_refresh_interval(reader: Engine, sessions: sessionmaker[Session]) -> None:
    engine = PolicyEngine(reader, refresh_seconds=0.05)
    with sessions.begin() as s:
        admin.add_rule(s, "root", RULE)
        admin.assign_role(s, "root", ALICE)
    time.sleep(0.06)
    assert engine.decide(READ).allowed


def test_roles_follow_changes(reader: Engine, sessions: sessionmaker[Session]) -> None:
    engine = PolicyEngine(reader, refresh_seconds=0)
    assert engine.roles_of("alice", "acme") == frozenset()
    with sessions.begin() as s:
        admin.assign_role(s, "root", ALICE)
        admin.assign_role(s, "root", RoleAssignment("alice", "viewer", "globex"))
        admin.assign_role(s, "root", RoleAssignment("alice", "compliance", "*"))
    assert engine.roles_of("alice", "acme") == {"engineer"}
    assert engine.platform_roles_of("alice") == {"compliance"}
    assert engine.tenants_of("alice") == {"acme", "globex"}
    assert engine.is_member("alice", "globex") and not engine.is_member("alice", "initech")
    with sessions.begin() as s:
        admin.unassign_role(s, "root", RoleAssignment("alice", "viewer", "globex"))
    assert engine.tenants_of("alice") == {"acme"}


def test_change_from_another_process(
    reader: Engine, db_url: str, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as s:
        admin.add_rule(s, "root", RULE)
    engine = PolicyEngine(reader, refresh_seconds=0)
    assert not engine.decide(READ).allowed
    script = textwrap.dedent(
        """
        import sys
        from sqlalchemy.orm import Session
        from lab.authz import admin
        from lab.db.engine import make_engine
        db = make_engine(sys.argv[1])
        with Session(db) as s, s.begin():
            admin.assign_role(s, "other-process", admin.RoleAssignment("alice", "engineer", "acme"))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", script, db_url], check=True, env=env, timeout=60)
    decision = engine.decide(READ)
    assert decision.allowed, decision.reason
    assert engine.version == 2


def test_threads_decide_while_the_policy_changes(
    reader: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as s:
        admin.assign_role(s, "root", ALICE)
        for n in range(20):
            admin.add_rule(s, "root", Rule("engineer", "acme", f"sandbox/d{n}", "read", "allow"))
    engine = PolicyEngine(reader, refresh_seconds=0.001, cache_size=50)
    requests = [AccessRequest("alice", "acme", "sandbox", f"d{n}", "read") for n in range(40)]
    stop = threading.Event()
    errors: list[BaseException] = []

    def decide_forever() -> None:
        try:
            while not stop.is_set():
                for req in requests:
                    engine.decide(req)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=decide_forever) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for n in range(20, 40):
            with sessions.begin() as s:
                admin.add_rule(
                    s, "root", Rule("engineer", "acme", f"sandbox/d{n}", "read", "allow")
                )
            engine.refresh(force=True)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    engine.refresh(force=True)
    # Nothing stale survived in the cache: every answer is the final policy's.
    assert all(engine.decide(req).allowed for req in requests)
    fresh = PolicyEngine(reader, cache_size=0)
    assert [engine.decide(r) for r in requests] == [fresh.decide(r) for r in requests]


def test_malformed_stored_line_fails_closed(
    db: Engine, reader: Engine, write_lines: Callable[[Engine, list[tuple[str, ...]]], None]
) -> None:
    """A line casbin would misread (here: a rule without effect) stops the engine loading,
    rather than being skipped: a skipped deny would silently allow."""
    write_lines(db, [("p", "viewer", "acme", "sandbox/*", "read")])
    with pytest.raises(ConfigurationError, match="row 1 is malformed"):
        PolicyEngine(reader)


def test_a_change_rebuilds_only_the_shards_it_touches(
    reader: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as s:
        admin.add_rule(s, "root", RULE)
        admin.assign_role(s, "root", ALICE)
        admin.assign_role(s, "root", RoleAssignment("gina", "engineer", "globex"))
    engine = PolicyEngine(reader, refresh_seconds=3600)
    gina = AccessRequest("gina", "globex", "sandbox", "datasets/ds-1", "read")
    assert engine.decide(READ).allowed and engine.decide(gina).allowed
    before = {t: engine._state.shard(t) for t in ("acme", "globex")}

    with sessions.begin() as s:  # a change in acme only
        admin.add_rule(s, "root", Rule("engineer", "acme", "sandbox/datasets/*", "read", "deny"))
    engine.refresh(force=True)
    assert engine._state.shard("globex") is before["globex"]
    assert engine._state.shard("acme") is not before["acme"]
    assert not engine.decide(READ).allowed and engine.decide(gina).allowed

    with sessions.begin() as s:  # a change for every tenant
        admin.add_rule(s, "root", Rule("engineer", "*", "sandbox/datasets/ds-1", "read", "deny"))
    engine.refresh(force=True)
    assert engine._state.shard("globex") is not before["globex"]
    assert not engine.decide(gina).allowed
