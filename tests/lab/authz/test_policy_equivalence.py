"""The engine decides exactly as one plain casbin Enforcer over the whole stored policy.

Random policies (allow and deny rules in many tenants and in `*`, wildcards, `:param`
segments, rules naming users; and what the admin API would refuse: regex characters in
patterns, odd role assignments, role-to-role links) and random requests (unknown users
and tenants, platform requests, odd zones and objects). The plain Enforcer reads the same
rows through casbin's own SQLAlchemy adapter.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import casbin
import pytest
from sqlalchemy.engine import Engine
from sqlalchemy_adapter import Adapter

from lab.authz.engine import PolicyEngine
from lab.authz.model import MODEL_PATH
from lab.authz.request import AccessRequest, Decision

TENANTS = ["acme", "globex", "initech", "hooli", "ghost"]  # nobody holds a role in ghost
USERS = [f"u{n}" for n in range(30)]
ROLES = ["admin", "compliance", "owner", "engineer", "viewer"]
PATTERNS = [
    "*",
    "sandbox",
    "sandbox/*",
    "sandbox/datasets",
    "sandbox/datasets/*",
    "sandbox/datasets/ds-1",
    "sandbox/datasets/ds-2/rows",
    "sandbox/datasets/*/rows",
    "sandbox/datasets/:id",
    "sandbox/datasets/:id/rows",
    "sandbox/*/rows",
    "sandbox/jobs/*",
    "production/*",
    "production/models/*",
    "production/*/rows",
    "platform/*",
    "platform/users",
    "platform/users/*",
    "platform/users/:user/tokens",
    "platform/tenants/*",
    "platform/audit",
    "platform/audit/*",
    # stored directly, not through the admin API (which refuses them): regex characters
    # that keyMatch2 passes through, so their literal-looking heads are not literal
    "sandbox/?es/*",
    "sandbox/datasets/ds.1",
    "sandbox/ds-*",
    "sandbox/|x",
]
ACTIONS = ["read", "create", "update", "delete", "submit", "cancel", "approve", "export"]
ZONES = ["sandbox", "production", "platform", "sandboxes", "sandbox\n", "x", "x\n"]
RESOURCES = [
    "",
    "d",
    "ds",
    "datasets/ds-1\n",
    "datasets/dsX1",
    "datasets",
    "datasets/ds-1",
    "datasets/ds-2",
    "datasets/ds-1/rows",
    "datasets/ds-2/rows",
    "jobs/7",
    "jobs/7/outputs/o-1/rows",
    "models/m-1",
    "users",
    "users/u3",
    "users/u3/tokens",
    "tenants/acme",
    "audit",
    "audit/events",
]


def random_policy(rng: random.Random, n_rules: int, n_links: int) -> list[tuple[str, ...]]:
    lines: list[tuple[str, ...]] = []
    for _ in range(n_rules):
        sub = rng.choice(USERS) if rng.random() < 0.08 else rng.choice(ROLES)
        dom = "*" if rng.random() < 0.3 else rng.choice(TENANTS)
        act = "*" if rng.random() < 0.2 else rng.choice(ACTIONS)
        eft = "deny" if rng.random() < 0.25 else "allow"
        lines.append(("p", sub, dom, rng.choice(PATTERNS), act, eft))
    for _ in range(n_links):
        role = rng.choice(ROLES)
        dom = "*" if rng.random() < 0.15 else rng.choice(TENANTS[:-1])
        lines.append(("g", rng.choice(USERS), role, dom))
    for _ in range(4):  # role hierarchies, in a tenant or on the platform
        upper, lower = rng.sample(ROLES, 2)
        lines.append(("g", upper, lower, rng.choice([*TENANTS[:-1], "*"])))
    rng.shuffle(lines)
    return list(dict.fromkeys(lines))


def random_requests(rng: random.Random, n: int) -> list[AccessRequest]:
    subjects = [*USERS, "stranger", "viewer"]
    tenants = [*TENANTS, "*", "*", "nowhere"]
    return [
        AccessRequest(
            rng.choice(subjects),
            rng.choice(tenants),
            rng.choice(ZONES),
            rng.choice(RESOURCES),
            rng.choice([*ACTIONS, "hold"]),
        )
        for _ in range(n)
    ]


def plain_decision(enforcer: casbin.Enforcer, req: AccessRequest) -> Decision:
    allowed, rule = enforcer.enforce_ex(req.subject, req.tenant, req.obj, req.action)
    return Decision.of(req, allowed, rule)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_decisions_as_a_plain_enforcer(
    seed: int,
    db: Engine,
    reader: Engine,
    write_lines: Callable[[Engine, list[tuple[str, ...]]], None],
) -> None:
    rng = random.Random(seed)
    write_lines(db, random_policy(rng, n_rules=300, n_links=120))
    plain = casbin.Enforcer(str(MODEL_PATH), Adapter(db, create_table=False))
    engine = PolicyEngine(reader, refresh_seconds=3600)
    requests = random_requests(rng, 600)
    requests += requests[:100]  # repeats come from the cache

    allowed = 0
    for req in requests:
        expected = plain_decision(plain, req)
        assert engine.decide(req) == expected, req
        assert engine.explain(req) == expected, req
        allowed += expected.allowed
    # The random policy must exercise both answers and rules of both effects.
    assert 0.05 < allowed / len(requests) < 0.95
    assert engine.cache_info().hits >= 100


def test_every_role_and_tenant_combination(
    db: Engine,
    reader: Engine,
    write_lines: Callable[[Engine, list[tuple[str, ...]]], None],
) -> None:
    """Exhaustive over a small policy: every subject x tenant x object x action."""
    rng = random.Random(7)
    write_lines(db, random_policy(rng, n_rules=80, n_links=40))
    plain = casbin.Enforcer(str(MODEL_PATH), Adapter(db, create_table=False))
    engine = PolicyEngine(reader, cache_size=0)
    for subject in USERS[:12]:
        for tenant in [*TENANTS, "*"]:
            for zone in ("sandbox", "platform"):
                for resource in ("datasets/ds-1/rows", "users/u3/tokens", "audit"):
                    for action in ("read", "delete"):
                        req = AccessRequest(subject, tenant, zone, resource, action)
                        assert engine.decide(req) == plain_decision(plain, req), req


@pytest.mark.parametrize(
    ("pattern", "zone", "resource"),
    [
        ("sandbox/datasets/ds-1", "sandbox", "datasets/ds-1\n"),  # `$` before a final newline
        ("sandbox/datasets/ds-1", "sandbox", "datasets/ds-1/"),
        ("sandbox/datasets/*", "sandbox", "datasets/"),
        ("sandbox/datasets/*", "sandbox", "datasets"),
        ("sandbox/datasets/:id", "sandbox", "datasets/ds-1\n"),
        ("sandbox/datasets/:id", "sandbox", "datasets/ds-1/rows"),
        ("sandbox/*/rows", "sandbox", "rows"),
        ("sandbox/*/rows", "sandbox", "a/b/rows"),
        ("sandbox/?es/*", "sandboxes", "datasets"),
        ("sandbox/ds-*", "sandbox", "ds"),
        ("sandbox/ds-*", "sandbox", "d"),
        ("sandbox/|x", "x\n", ""),
        ("*", "anything", "at/all"),
    ],
)
def test_edge_objects(
    pattern: str,
    zone: str,
    resource: str,
    db: Engine,
    reader: Engine,
    write_lines: Callable[[Engine, list[tuple[str, ...]]], None],
) -> None:
    write_lines(db, [("p", "viewer", "*", pattern, "read", "allow"), ("g", "al", "viewer", "acme")])
    plain = casbin.Enforcer(str(MODEL_PATH), Adapter(db, create_table=False))
    engine = PolicyEngine(reader, cache_size=0)
    req = AccessRequest("al", "acme", zone, resource, "read")
    assert engine.decide(req) == plain_decision(plain, req)


def test_standing_follows_casbins_hierarchy_limit(
    db: Engine, reader: Engine, write_lines: Callable[[Engine, list[tuple[str, ...]]], None]
) -> None:
    """casbin's `g` follows at most 10 levels of roles. `deep` reaches r12 only through
    twelve, `near` through two: the same roles by reachability, not the same for `g`, so
    they must not share an answer."""
    chain = [("g", f"r{n}", f"r{n + 1}", "acme") for n in range(1, 12)]
    write_lines(
        db,
        [
            ("p", "r12", "acme", "sandbox/*", "read", "allow"),
            ("g", "deep", "r1", "acme"),
            ("g", "near", "r11", "acme"),
            *chain,
        ],
    )
    plain = casbin.Enforcer(str(MODEL_PATH), Adapter(db, create_table=False))
    engine = PolicyEngine(reader, cache_size=0)
    for subject in ("near", "deep"):
        req = AccessRequest(subject, "acme", "sandbox", "datasets", "read")
        assert engine.decide(req) == plain_decision(plain, req), subject
    assert plain.enforce("near", "acme", "sandbox/datasets", "read")
    assert not plain.enforce("deep", "acme", "sandbox/datasets", "read")
