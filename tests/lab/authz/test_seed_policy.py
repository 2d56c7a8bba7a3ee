"""The baseline policy (policies/seed.csv), decision by decision.

Who holds what in these tests:
  alice engineer@acme, bob viewer@acme, olga owner@acme, gina engineer@globex,
  carol compliance (platform), otto output_checker (platform), root admin (platform),
  system:cli admin (seed),
  dana owner@acme and compliance (platform), mallory nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from lab.authz import admin
from lab.authz.admin import RoleAssignment
from lab.authz.engine import PolicyEngine
from lab.authz.model import SEED_PATH
from lab.authz.request import AccessRequest
from lab.authz.seedfile import read_seed
from lab.db.engine import make_engine
from lab.errors import ConfigurationError

ASSIGNMENTS = [
    ("alice", "engineer", "acme"),
    ("bob", "viewer", "acme"),
    ("olga", "owner", "acme"),
    ("gina", "engineer", "globex"),
    ("carol", "compliance", "*"),
    ("otto", "output_checker", "*"),
    ("root", "admin", "*"),
    ("dana", "owner", "acme"),
    ("dana", "compliance", "*"),
]

A, D = True, False
# subject, tenant, zone, resource, action, allowed, role of the deciding rule (None: no rule)
CASES = [
    # engineer: explores and builds in the sandbox of its own tenant
    ("alice", "acme", "sandbox", "datasets/ds-1", "read", A, "engineer"),
    ("alice", "acme", "sandbox", "datasets/ds-1/rows", "read", A, "engineer"),
    ("alice", "acme", "sandbox", "datasets", "create", A, "engineer"),
    ("alice", "acme", "sandbox", "datasets/ds-1", "import", A, "engineer"),
    ("alice", "acme", "sandbox", "jobs", "submit", A, "engineer"),
    ("alice", "acme", "sandbox", "jobs/j-1", "cancel", A, "engineer"),
    ("alice", "acme", "production", "jobs/j-9", "cancel", D, None),
    ("alice", "acme", "production", "imports/i-9", "cancel", D, None),
    ("alice", "globex", "sandbox", "jobs/j-1", "cancel", D, None),
    ("alice", "acme", "sandbox", "releases", "release", A, "engineer"),
    ("alice", "acme", "sandbox", "datasets/ds-1", "delete", D, None),
    ("alice", "acme", "sandbox", "datasets/ds-1", "hold", D, None),
    ("alice", "acme", "production", "promotions/pr-1", "review", D, None),
    ("alice", "acme", "sandbox", "models/m-1/versions/1", "promote", A, "engineer"),
    ("alice", "acme", "production", "datasets/ds-9", "promote", A, "engineer"),
    ("alice", "globex", "production", "datasets/ds-9", "promote", D, None),
    ("alice", "acme", "production", "deployments/m-1", "update", D, None),
    ("alice", "acme", "production", "models/m-1", "read", A, "engineer"),
    ("alice", "acme", "production", "datasets/ds-9", "read", D, None),
    ("alice", "acme", "production", "datasets/ds-9/rows", "read", D, "engineer"),
    ("alice", "acme", "platform", "tenants/acme", "read", A, "engineer"),
    ("alice", "acme", "platform", "me", "read", A, "engineer"),
    ("alice", "acme", "platform", "me/tokens", "create", A, "engineer"),
    ("alice", "acme", "platform", "audit/events", "read", A, "engineer"),
    ("alice", "acme", "platform", "audit/events", "export", D, None),
    ("alice", "globex", "platform", "audit/events", "read", D, None),
    ("alice", "acme", "platform", "users", "read", D, None),
    ("alice", "acme", "platform", "policy/rules", "create", D, None),
    ("alice", "*", "platform", "tenants", "read", D, None),
    ("alice", "*", "platform", "zones/sandbox", "read", D, None),
    # tenant isolation: a role holds in its own tenant only
    ("alice", "globex", "sandbox", "datasets/ds-1", "read", D, None),
    ("alice", "globex", "platform", "tenants/globex", "read", D, None),
    ("gina", "globex", "sandbox", "datasets/ds-1", "read", A, "engineer"),
    ("gina", "acme", "sandbox", "datasets/ds-1", "read", D, None),
    ("olga", "globex", "sandbox", "datasets/ds-1", "read", D, None),
    ("olga", "globex", "platform", "users", "create", D, None),
    ("bob", "globex", "sandbox", "datasets", "read", D, None),
    ("mallory", "acme", "sandbox", "datasets", "read", D, None),
    ("alice", "no-such-tenant", "sandbox", "datasets", "read", D, None),
    # viewer: reads the sandbox, nothing else
    ("bob", "acme", "sandbox", "datasets/ds-1", "read", A, "viewer"),
    ("bob", "acme", "sandbox", "datasets/ds-1/rows", "read", A, "viewer"),
    ("bob", "acme", "sandbox", "datasets", "create", D, None),
    ("bob", "acme", "sandbox", "jobs", "submit", D, None),
    ("bob", "acme", "sandbox", "jobs/j-1", "cancel", D, None),
    ("bob", "acme", "production", "models/m-1", "read", D, None),
    ("bob", "acme", "platform", "me/tokens", "read", A, "viewer"),
    ("bob", "acme", "platform", "me/tokens", "create", D, None),
    # owner: members, their tokens and roles, the tenant's data in both zones
    ("olga", "acme", "sandbox", "datasets/ds-1", "delete", A, "owner"),
    ("olga", "acme", "sandbox", "datasets/ds-1", "destroy", A, "owner"),
    ("olga", "acme", "production", "datasets", "import", A, "owner"),
    ("olga", "acme", "production", "jobs/j-9", "cancel", A, "owner"),
    ("olga", "acme", "sandbox", "jobs/j-1", "cancel", A, "owner"),
    ("olga", "acme", "production", "datasets/ds-9/rows", "read", A, "owner"),
    ("olga", "acme", "production", "releases", "release", A, "owner"),
    ("olga", "acme", "production", "releases/r-1", "review", D, None),
    ("olga", "acme", "production", "promotions/pr-1", "review", D, None),
    ("olga", "acme", "production", "deployments/m-1", "update", A, "owner"),
    ("olga", "acme", "sandbox", "datasets/ds-1", "hold", D, None),
    ("olga", "acme", "platform", "users", "create", A, "owner"),
    ("olga", "acme", "platform", "users/alice", "delete", A, "owner"),
    ("olga", "acme", "platform", "users/alice/tokens", "create", A, "owner"),
    ("olga", "acme", "platform", "policy/assignments", "create", A, "owner"),
    ("olga", "acme", "platform", "audit/events", "read", A, "owner"),
    ("olga", "acme", "platform", "audit/events", "export", D, None),
    ("olga", "acme", "platform", "policy/rules", "create", D, None),
    ("olga", "*", "platform", "tenants", "create", D, None),
    ("olga", "*", "platform", "policy/assignments", "create", D, None),
    # monitoring of deployments: the tenant reads it all, its owner asks for runs; an
    # admin reads status and runs, not plots
    (
        "alice",
        "acme",
        "production",
        "deployments/m-1/monitoring/runs/r-1/plots/psi",
        "read",
        A,
        "engineer",
    ),
    ("alice", "acme", "production", "deployments/m-1/monitoring/runs", "create", D, None),
    ("gina", "acme", "production", "deployments/m-1/monitoring", "read", D, None),
    ("olga", "acme", "production", "deployments/m-1/monitoring/runs", "create", A, "owner"),
    ("root", "acme", "production", "deployments/m-1/monitoring", "read", A, "admin"),
    ("root", "acme", "production", "deployments/m-1/monitoring/runs/r-1", "read", A, "admin"),
    (
        "root",
        "acme",
        "production",
        "deployments/m-1/monitoring/runs/r-1/plots/psi",
        "read",
        D,
        "admin",
    ),
    ("root", "acme", "production", "deployments/m-1/monitoring/runs", "create", D, None),
    ("root", "acme", "production", "deployments/m-1", "read", D, None),
    # compliance: oversight everywhere, never the rows
    ("carol", "acme", "sandbox", "datasets/ds-1", "read", A, "compliance"),
    ("carol", "acme", "sandbox", "datasets/ds-1/rows", "read", D, "compliance"),
    ("carol", "acme", "sandbox", "jobs/42/outputs/o-1/rows", "read", D, "compliance"),
    ("carol", "globex", "production", "datasets/ds-9/rows", "read", D, "compliance"),
    ("carol", "acme", "sandbox", "datasets/ds-1/rows", "export", D, "compliance"),
    ("carol", "acme", "production", "promotions/pr-1", "review", A, "compliance"),
    ("carol", "globex", "production", "releases/r-2", "review", A, "compliance"),
    ("carol", "acme", "sandbox", "releases/r-1/content", "review", A, "compliance"),
    ("carol", "acme", "sandbox", "releases", "release", D, None),
    ("carol", "acme", "sandbox", "datasets/ds-1", "hold", A, "compliance"),
    ("carol", "acme", "sandbox", "datasets/ds-1", "delete", D, None),
    ("carol", "acme", "sandbox", "jobs", "submit", D, None),
    ("carol", "acme", "production", "jobs/j-9", "cancel", D, None),
    ("carol", "acme", "sandbox", "jobs/j-1/logs", "review", A, "compliance"),
    ("carol", "globex", "production", "jobs/j-1/logs", "review", A, "compliance"),
    ("carol", "acme", "sandbox", "jobs/j-1/outputs", "review", D, None),
    ("alice", "acme", "sandbox", "jobs/j-1/logs", "review", D, None),
    ("alice", "acme", "sandbox", "jobs/j-1/logs", "read", A, "engineer"),
    ("olga", "acme", "production", "jobs/j-1/logs", "review", D, None),
    ("carol", "*", "platform", "audit", "verify", A, "compliance"),
    ("carol", "*", "platform", "audit/events", "export", A, "compliance"),
    ("carol", "acme", "platform", "audit/events", "read", A, "compliance"),
    ("carol", "*", "platform", "tenants", "read", A, "compliance"),
    ("carol", "*", "platform", "policy/rules", "read", A, "compliance"),
    ("carol", "*", "platform", "zones/sandbox", "read", A, "compliance"),
    ("carol", "*", "platform", "zones/sandbox", "update", D, None),
    ("carol", "*", "platform", "tenants", "create", D, None),
    ("carol", "*", "platform", "policy/rules", "create", D, None),
    ("carol", "acme", "platform", "users/alice/tokens", "create", D, None),
    # output checker: reads metadata and decides releases in both zones, nothing else
    ("otto", "acme", "sandbox", "releases/r-1", "read", A, "output_checker"),
    ("otto", "globex", "production", "releases/r-2", "review", A, "output_checker"),
    ("otto", "acme", "sandbox", "releases/r-1/content", "review", A, "output_checker"),
    ("otto", "acme", "sandbox", "jobs/42", "read", A, "output_checker"),
    ("otto", "acme", "sandbox", "datasets/ds-1/rows", "read", D, "output_checker"),
    ("otto", "acme", "production", "jobs/42/outputs/o-1/rows", "read", D, "output_checker"),
    ("otto", "acme", "sandbox", "releases", "release", D, None),
    ("otto", "acme", "production", "promotions/pr-1", "review", D, None),
    ("otto", "acme", "sandbox", "datasets/ds-1", "hold", D, None),
    ("otto", "*", "platform", "audit/events", "read", D, None),
    ("otto", "*", "platform", "users", "read", D, None),
    ("alice", "acme", "sandbox", "releases/r-1", "review", D, None),
    # admin: the whole platform, the audit trail read-only, no partner data
    ("root", "*", "platform", "tenants", "create", A, "admin"),
    ("root", "acme", "production", "promotions/pr-1", "review", D, "admin"),
    ("root", "*", "platform", "policy/rules", "create", A, "admin"),
    ("root", "*", "platform", "policy/assignments", "delete", A, "admin"),
    ("root", "acme", "platform", "users/alice/tokens/t-1", "delete", A, "admin"),
    ("root", "*", "platform", "audit/events", "read", A, "admin"),
    ("root", "*", "platform", "zones/sandbox", "update", A, "admin"),
    ("root", "*", "platform", "audit/events", "delete", D, "admin"),
    ("root", "*", "platform", "audit", "update", D, "admin"),
    ("root", "acme", "sandbox", "datasets/ds-1", "read", A, "admin"),
    ("root", "acme", "production", "datasets/ds-1/versions/3", "destroy", A, "admin"),
    ("root", "acme", "sandbox", "jobs/j-1", "read", D, None),
    ("root", "acme", "production", "datasets/ds-1/rows", "read", D, "admin"),
    ("root", "acme", "sandbox", "datasets/ds-1/rows", "read", D, "admin"),
    ("system:cli", "*", "platform", "tenants", "create", A, "admin"),
    ("system:cli", "acme", "platform", "users", "read", A, "admin"),
    # deny wins across roles: an owner who is also compliance cannot read rows
    ("dana", "acme", "sandbox", "datasets/ds-1/rows", "read", D, "compliance"),
    ("dana", "acme", "sandbox", "datasets/ds-1", "read", A, None),
    ("dana", "acme", "production", "promotions/pr-1", "review", A, "compliance"),
]


@pytest.fixture(scope="module")
def seeded(sqlite_metastore: Callable[[], str]) -> Iterator[Engine]:
    db = make_engine(sqlite_metastore())
    with Session(db) as session, session.begin():
        admin.seed(session, "system:init")
        for a in ASSIGNMENTS:
            admin.assign_role(session, "system:init", RoleAssignment(*a))
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def engine(seeded: Engine) -> PolicyEngine:
    return PolicyEngine(seeded, refresh_seconds=3600)


@pytest.mark.parametrize(
    ("subject", "tenant", "zone", "resource", "action", "allowed", "by"),
    CASES,
    ids=[f"{c[0]}@{c[1]}:{c[4]}:{c[2]}/{c[3]}" for c in CASES],
)
def test_seed_decision(
    engine: PolicyEngine,
    subject: str,
    tenant: str,
    zone: str,
    resource: str,
    action: str,
    allowed: bool,
    by: str | None,
) -> None:
    req = AccessRequest(subject, tenant, zone, resource, action)
    decision = engine.decide(req)
    assert decision.allowed is allowed, decision.reason
    assert engine.explain(req) == decision
    if by is not None:
        assert decision.rule is not None and decision.rule[1] == by, decision.reason
    if not allowed and by is None:
        assert decision.rule is None
        assert decision.reason.startswith("denied: no rule allows")
    if not allowed and by is not None:
        assert decision.rule is not None and decision.rule[-1] == "deny"
        assert decision.reason == f"denied by rule {', '.join(decision.rule)}"


def test_seed_roles(engine: PolicyEngine) -> None:
    assert engine.platform_roles_of("system:cli") == {"admin"}
    assert engine.roles_of("dana", "acme") == {"owner"}
    assert engine.platform_roles_of("dana") == {"compliance"}
    assert engine.tenants_of("dana") == {"acme"}
    assert engine.is_member("alice", "acme") and not engine.is_member("alice", "globex")


def test_seed_loads_once(seeded: Engine) -> None:
    with Session(seeded) as session, session.begin():
        assert admin.seed(session, "again") == 0
        changes = admin.history(session)
    seed_change = changes[-1]
    assert seed_change.op == "seed" and seed_change.version == 1
    assert seed_change.item["sha256"] == read_seed(SEED_PATH).sha256
    assert seed_change.item["rules"] == len(read_seed(SEED_PATH).rules)


def test_seed_file_every_rule_is_valid_and_global() -> None:
    seed = read_seed(SEED_PATH)
    assert len(seed.rules) > 40
    assert {r[1] for r in seed.rules} == {"*"}
    assert ("system:cli", "admin", "*") in seed.assignments


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("p, wizard, *, sandbox/*, read, allow", "unknown role"),
        ("p, viewer, *, sandbox/*, read, maybe", "effect"),
        ("p, viewer, *, sandbox/*, read", "expected"),
        ("g, alice, admin, acme", "platform role"),
        ("p, viewer, *, sandbox/data*, read, allow", "object pattern"),
    ],
)
def test_seed_file_errors_name_the_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "seed.csv"
    path.write_text(f"# comment\np, viewer, *, sandbox/*, read, allow\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=rf"seed.csv:3: .*{problem}"):
        read_seed(path)


def test_seed_file_duplicate_rule(tmp_path: Path) -> None:
    path = tmp_path / "seed.csv"
    path.write_text("p, viewer, *, sandbox/*, read, allow\n" * 2, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="twice"):
        read_seed(path)
