"""How fast the lab's PolicyEngine decides, next to plain casbin.

Builds a metastore (SQLite, temporary) with the seed policy plus tenant rules up to
10,000 rules and 2,000 role assignments over 200 tenants, written in bulk, then measures:

1. casbin's plain `Enforcer` over the whole policy (a small sample: it is slow);
2. casbin's `FastEnforcer` keyed by domain, and how often it disagrees with the plain one
   (it drops the rules whose domain is `*`);
3. PolicyEngine with every request distinct (no cache hit can help), after one decision
   per tenant has built the shards, and the cost of those first decisions;
4. PolicyEngine on a realistic stream: tenants, their users and resources drawn Zipf-like,
   repeats as they come, with the default cache.

Every PolicyEngine answer in the plain sample is checked against the plain Enforcer.
Run: .venv/bin/python bench/authz_bench.py [--stream 200000] [--seed 1]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import casbin
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy_adapter import Adapter

from lab.authz import admin
from lab.authz.engine import PolicyEngine
from lab.authz.model import MODEL_PATH
from lab.authz.models import PolicyChangeRow, casbin_metadata, casbin_rule
from lab.authz.request import AccessRequest, Decision
from lab.db.base import Base, utcnow
from lab.db.engine import make_engine

USERS_PER_TENANT = 10
TENANT_ROLES = ["owner"] + ["engineer"] * 6 + ["viewer"] * 3
STAFF = [("carol", "compliance"), ("cecil", "compliance"), ("root", "admin")]
DATASETS, JOBS, MODELS = 20, 10, 5
ACTIONS = ["read"] * 14 + ["create"] * 2 + ["submit"] * 2 + ["update", "delete", "export"]


@dataclass
class World:
    tenants: list[str]
    users: dict[str, list[str]]
    resources: list[tuple[str, str]]
    """(zone, resource) of one tenant; the same names exist in every tenant."""


def build_world(n_tenants: int) -> World:
    tenants = [f"t{n:03d}" for n in range(n_tenants)]
    users = {t: [f"{t}-u{k}" for k in range(USERS_PER_TENANT)] for t in tenants}
    resources: list[tuple[str, str]] = [("sandbox", "datasets"), ("sandbox", "jobs")]
    for k in range(DATASETS):
        resources += [("sandbox", f"datasets/ds-{k}"), ("sandbox", f"datasets/ds-{k}/rows")]
    resources += [("sandbox", f"jobs/j-{k}") for k in range(JOBS)]
    resources += [("sandbox", f"models/m-{k}") for k in range(MODELS)]
    resources += [("production", f"models/m-{k}") for k in range(MODELS)]
    resources += [("production", f"datasets/ds-{k}/rows") for k in range(3)]
    resources += [("platform", "me"), ("platform", "audit/events"), ("platform", "users")]
    return World(tenants, users, resources)


def tenant_rules(rng: random.Random, world: World, count: int) -> list[tuple[str, ...]]:
    rules: dict[tuple[str, ...], None] = {}
    while len(rules) < count:
        tenant = rng.choice(world.tenants)
        zone, resource = rng.choice(world.resources)
        obj = f"{zone}/{resource}"
        if rng.random() < 0.3:
            obj = f"{zone}/{resource.split('/')[0]}/*"
        role = rng.choice(["owner", "engineer", "viewer"])
        effect = "deny" if rng.random() < 0.2 else "allow"
        rules[("p", role, tenant, obj, rng.choice(ACTIONS), effect)] = None
    return list(rules)


def assignments(world: World, count: int) -> list[tuple[str, ...]]:
    lines: list[tuple[str, ...]] = [("g", name, role, "*") for name, role in STAFF]
    for tenant in world.tenants:
        for user, role in zip(world.users[tenant], TENANT_ROLES, strict=True):
            lines.append(("g", user, role, tenant))
    return lines[:count]


def write_policy(db: sa.Engine, lines: Sequence[tuple[str, ...]]) -> None:
    rows = [
        {"ptype": ptype, **{f"v{i}": (vals[i] if i < len(vals) else None) for i in range(6)}}
        for ptype, *vals in lines
    ]
    with Session(db) as session, session.begin():
        session.execute(sa.insert(casbin_rule), rows)
        version = admin.current_version(session) + 1
        session.add(
            PolicyChangeRow(version=version, actor="bench", at=utcnow(), op="seed", item="{}")
        )


def zipf_weights(count: int, s: float) -> list[float]:
    """Cumulative Zipf weights: rank k is drawn with probability proportional to 1/k^s."""
    return list(itertools.accumulate(1 / (rank**s) for rank in range(1, count + 1)))


def realistic_stream(rng: random.Random, world: World, n: int) -> list[AccessRequest]:
    """Requests drawn independently: tenant, then one of its users, then a resource, each
    Zipf-like with a popularity order fixed for the whole stream; 1% by platform staff."""
    tenants = rng.choices(
        rng.sample(world.tenants, len(world.tenants)),
        cum_weights=zipf_weights(len(world.tenants), 1.1),
        k=n,
    )
    resources = rng.choices(
        rng.sample(world.resources, len(world.resources)),
        cum_weights=zipf_weights(len(world.resources), 1.1),
        k=n,
    )
    ranked = {t: rng.sample(users, len(users)) for t, users in world.users.items()}
    user_weights = zipf_weights(USERS_PER_TENANT, 1.2)
    stream = []
    for tenant, (zone, resource) in zip(tenants, resources, strict=True):
        if rng.random() < 0.01:
            subject = rng.choice(STAFF)[0]
        else:
            subject = rng.choices(ranked[tenant], cum_weights=user_weights)[0]
        stream.append(AccessRequest(subject, tenant, zone, resource, rng.choice(ACTIONS)))
    return stream


def distinct_stream(rng: random.Random, world: World, n: int) -> list[AccessRequest]:
    seen: dict[AccessRequest, None] = {}
    staff = [name for name, _ in STAFF]
    while len(seen) < n:
        tenant = rng.choice(world.tenants)
        subject = rng.choice(staff) if rng.random() < 0.02 else rng.choice(world.users[tenant])
        if rng.random() < 0.05:  # somebody else's tenant
            tenant = rng.choice(world.tenants)
        zone, resource = rng.choice(world.resources)
        seen[AccessRequest(subject, tenant, zone, resource, rng.choice(ACTIONS))] = None
    return list(seen)


@dataclass
class Run:
    name: str
    n: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.n / self.seconds

    def line(self, baseline: float | None) -> str:
        lat = sorted(self.latencies)
        p50 = lat[len(lat) // 2] * 1e6
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e6
        ratio = f"{self.rate / baseline:10,.0f}x" if baseline else " " * 11
        return (
            f"  {self.name:<50}{self.rate:>9,.0f}/s {ratio}  p50 {p50:8.1f} us"
            f"   p99 {p99:8.1f} us   (n={self.n:,})"
        )


def measure(
    name: str, requests: Sequence[AccessRequest], decide: Callable[[AccessRequest], object]
) -> Run:
    latencies = []
    clock = time.perf_counter
    start = clock()
    for req in requests:
        t0 = clock()
        decide(req)
        latencies.append(clock() - t0)
    return Run(name, len(requests), clock() - start, latencies)


def warm(engine: PolicyEngine, world: World) -> PolicyEngine:
    """Build every tenant's shard (as a running server has), caching nothing of interest."""
    for tenant in world.tenants:
        engine.decide(AccessRequest("warm-up", tenant, "sandbox", "warm-up", "read"))
    return engine


def best_of(repeat: int, attempt: Callable[[], Run]) -> Run:
    runs = [attempt() for _ in range(repeat)]
    best = max(runs, key=lambda run: run.rate)
    best.name += f" [best of {repeat}]" if repeat > 1 else ""
    return best


def build_metastore(url: str, args: argparse.Namespace, world: World) -> None:
    db = make_engine(url)
    Base.metadata.create_all(db)
    casbin_metadata.create_all(db)
    with Session(db) as session, session.begin():
        seeded = admin.seed(session, "bench")
    links = assignments(world, args.assignments)
    n_seed_rules = seeded - 1  # the seed's one assignment (system:cli)
    rules = tenant_rules(random.Random(args.seed), world, args.rules - n_seed_rules)
    t0 = time.perf_counter()
    write_policy(db, rules + links)
    print(
        f"metastore: {n_seed_rules + len(rules):,} rules ({n_seed_rules} of them for every "
        f"tenant), {len(links) + 1:,} role assignments, {args.tenants} tenants; "
        f"bulk insert {time.perf_counter() - t0:.2f} s"
    )
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--assignments", type=int, default=2_000)
    parser.add_argument("--plain-sample", type=int, default=200)
    parser.add_argument("--distinct", type=int, default=20_000)
    parser.add_argument("--stream", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per PolicyEngine figure")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    world = build_world(args.tenants)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'metastore.db'}"
        build_metastore(url, args, world)
        db = make_engine(url)
        reader = make_engine(url, read_only=True)
        loads = {}
        t0 = time.perf_counter()
        plain = casbin.Enforcer(str(MODEL_PATH), Adapter(db, create_table=False))
        loads["plain Enforcer"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        fast = casbin.FastEnforcer(
            str(MODEL_PATH), Adapter(db, create_table=False), cache_key_order=[1]
        )
        loads["FastEnforcer"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        engine = PolicyEngine(reader)
        loads["PolicyEngine (shards built on first use)"] = time.perf_counter() - t0
        print("load: " + ", ".join(f"{name} {sec:.2f} s" for name, sec in loads.items()))

        sample = distinct_stream(random.Random(args.seed + 1), world, args.plain_sample)
        expected: dict[AccessRequest, Decision] = {}

        def plain_decide(req: AccessRequest) -> None:
            outcome = plain.enforce_ex(req.subject, req.tenant, req.obj, req.action)
            expected[req] = Decision.of(req, *outcome)

        fast_answers: dict[AccessRequest, bool] = {}

        def fast_decide(req: AccessRequest) -> None:
            fast_answers[req] = fast.enforce(req.subject, req.tenant, req.obj, req.action)

        runs = [
            measure("casbin Enforcer (plain, whole policy)", sample, plain_decide),
            measure("casbin FastEnforcer (by domain)", sample, fast_decide),
        ]
        first = [
            AccessRequest(world.users[t][1], t, "sandbox", "jobs", "read") for t in world.tenants
        ]
        runs.append(measure("PolicyEngine, first request in a tenant", first, engine.decide))

        sampled = set(sample)
        distinct = [
            r
            for r in distinct_stream(random.Random(args.seed + 2), world, args.distinct)
            if r not in sampled
        ]
        runs.append(
            best_of(
                args.repeat,
                lambda: measure(
                    "PolicyEngine, every request distinct",
                    distinct,
                    warm(PolicyEngine(reader), world).decide,
                ),
            )
        )
        runs.append(
            best_of(
                args.repeat,
                lambda: measure(
                    "PolicyEngine, distinct, caches off",
                    distinct,
                    warm(PolicyEngine(reader, cache_size=0), world).decide,
                ),
            )
        )
        stream = realistic_stream(random.Random(args.seed + 3), world, args.stream)
        streamed: list[PolicyEngine] = []

        def stream_run() -> Run:
            streamed.append(warm(PolicyEngine(reader), world))
            return measure("PolicyEngine, realistic stream", stream, streamed[-1].decide)

        runs.append(best_of(args.repeat, stream_run))
        info = streamed[-1].cache_info()
        runs.append(
            measure("PolicyEngine.explain (no cache, no narrowing)", sample, engine.explain)
        )

        # A role change in one tenant, seen by a warm engine.
        changed, kept = world.tenants[0], world.tenants[1]
        warmed = streamed[-1]
        with Session(db) as session, session.begin():
            admin.assign_role(session, "bench", admin.RoleAssignment("newcomer", "viewer", changed))
        t0 = time.perf_counter()
        warmed.refresh(force=True)
        reload_ms = (time.perf_counter() - t0) * 1e3
        timings = {}
        for tenant in (kept, changed):
            t0 = time.perf_counter()
            warmed.decide(AccessRequest(world.users[tenant][2], tenant, "sandbox", "jobs", "read"))
            timings[tenant] = (time.perf_counter() - t0) * 1e3

        engine_wrong = sum(engine.decide(r) != expected[r] for r in sample)
        fast_wrong = sum(fast_answers[r] != expected[r].allowed for r in sample)
        baseline = runs[0].rate
        print("\ndecisions per second (x plain Enforcer) and latency per decision, one thread:")
        for run in runs:
            print(run.line(baseline))
        print(
            f"\nrealistic stream: {len(set(stream)):,} distinct requests in {len(stream):,}; "
            f"decision cache hit rate {info.hits / len(stream):.1%}"
        )
        print(f"PolicyEngine vs plain Enforcer on the sample: {engine_wrong} different answers")
        print(f"FastEnforcer vs plain Enforcer on the sample: {fast_wrong} different answers")
        print(
            f"after a role change in one tenant: reload {reload_ms:.1f} ms; next request in an "
            f"unchanged tenant {timings[kept]:.2f} ms, in the changed one {timings[changed]:.2f} ms"
        )
        mean_first = statistics.mean(runs[2].latencies) * 1e3
        print(f"first request in a tenant builds its shard: mean {mean_first:.2f} ms")


if __name__ == "__main__":
    main()
