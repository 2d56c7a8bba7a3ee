"""Every `lab` command with sample arguments, used to walk the whole CLI in tests.

The mirror of `tests/lab/api/routes_catalogue.py`. The commands are enumerated from typer
itself (the click group typer builds), so a new command without an entry here fails
`test_every_command_is_walked_or_excused`: nobody can add a command that skips the walk.

Each probe names, besides its arguments, the object the chokepoint must be asked about
(`<zone>/<resource>`, exactly as the audit event records it) and how far the command
reaches:

- `platform`: things of no tenant (the tenant list, the whole policy, the audit chain);
- `tenant`: a tenant's things outside the zones (its users, tokens, roles, audit events);
- `zone`: a tenant's things inside a zone (datasets, imports, jobs, release requests);
- `model`: a tenant's model in a zone, as `zone`, except that the seed lets an engineer
  read the tenant's models in production (promoted models are visible to their makers);
- `queue`: a zone's things of every tenant, the reviewers' queue of release requests. It is
  asked about on the platform, so its denial names no tenant, and since it names no
  tenant's thing it says `not allowed` to whoever has no platform role for it.

A command whose options change what it reaches (`releases list` with and without
`--tenant`) has a probe in `PROBES` and the others in `MORE_PROBES`; `walked()` is both.

Templates name `{tenant}`, `{zone}`, `{job}`, `{import}`, `{user}`, `{spec}`, `{zonefile}`,
and `{release}`, a pending release request of the tenant in the zone, asking for the output
`by_city` of the finished job `{release_job}` (whose `plot` waits for review too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import typer

Reach = Literal["platform", "tenant", "zone", "queue", "model"]
# the denial names the tenant
TENANT_REACH: frozenset[Reach] = frozenset({"tenant", "zone", "model"})
ZONE_REACH: frozenset[Reach] = frozenset({"zone", "queue"})  # the object is in a zone


@dataclass(frozen=True)
class Probe:
    args: tuple[str, ...]
    resource: str  # the audited object, `<zone>/<resource>`
    reach: Reach

    def argv(self, path: tuple[str, ...], values: dict[str, str]) -> list[str]:
        return [*path, *(a.format(**values) for a in self.args)]

    def expected(self, values: dict[str, str]) -> str:
        return self.resource.format(**values)


T, Z = ("--tenant", "{tenant}"), ("--zone", "{zone}")
M = ("--comment", "checked")
VERSION = ("merchants", "1")
NO_ID = "0000000000000000"  # a promotion request that is not there: asked on the platform

PROBES: dict[tuple[str, ...], Probe] = {
    # identity
    ("tenants", "create"): Probe(("newco", "--name", "New Co"), "platform/tenants", "platform"),
    ("tenants", "list"): Probe((), "platform/tenants", "platform"),
    ("tenants", "offboard"): Probe(("{tenant}", "--yes"), "platform/tenants/{tenant}", "tenant"),
    ("users", "create"): Probe(("newbie", *T, "--role", "viewer"), "platform/users", "tenant"),
    ("users", "list"): Probe(T, "platform/users", "tenant"),
    ("users", "disable"): Probe(("{user}",), "platform/users/{user}", "tenant"),
    ("tokens", "issue"): Probe(("{user}",), "platform/users/{user}/tokens", "tenant"),
    ("tokens", "list"): Probe(("{user}",), "platform/users/{user}/tokens", "tenant"),
    ("tokens", "revoke"): Probe(
        ("{user}", "0000000000000000"), "platform/users/{user}/tokens/0000000000000000", "tenant"
    ),
    # policy
    ("policy", "rules"): Probe((), "platform/policy/rules", "platform"),
    ("policy", "add"): Probe(
        ("viewer", "sandbox/x/*", "read"), "platform/policy/rules", "platform"
    ),
    ("policy", "remove"): Probe(
        ("viewer", "sandbox/x/*", "read"), "platform/policy/rules", "platform"
    ),
    ("policy", "assign"): Probe(("{user}", "viewer", *T), "platform/policy/assignments", "tenant"),
    ("policy", "unassign"): Probe(
        ("{user}", "viewer", *T), "platform/policy/assignments", "tenant"
    ),
    ("policy", "assignments"): Probe((), "platform/policy/assignments", "platform"),
    ("policy", "history"): Probe((), "platform/policy/history", "platform"),
    ("policy", "seed-diff"): Probe(("--apply",), "platform/policy/rules", "platform"),
    ("policy", "check"): Probe(("{user}", "read", "datasets"), "platform/policy/rules", "platform"),
    # audit
    ("audit", "verify"): Probe((), "platform/audit", "platform"),
    ("audit", "events"): Probe(T, "platform/audit/events", "tenant"),
    ("audit", "export"): Probe(T, "platform/audit/events", "tenant"),
    ("audit", "public-key"): Probe((), "platform/audit/public-key", "platform"),
    ("audit", "checkpoint"): Probe((), "platform/audit", "platform"),
    ("receipts",): Probe(T, "platform/audit/receipts", "tenant"),
    # zones
    ("zones", "list"): Probe((), "platform/zones", "platform"),
    ("zones", "show"): Probe(("sandbox",), "platform/zones/sandbox", "platform"),
    ("zones", "history"): Probe(("sandbox",), "platform/zones/sandbox", "platform"),
    ("zones", "set"): Probe(("{zonefile}",), "platform/zones/sandbox", "platform"),
    # datasets
    ("datasets", "list"): Probe((*T, *Z), "{zone}/datasets", "zone"),
    ("datasets", "destroy"): Probe(
        (*VERSION, "--reason", "r", *T, *Z), "{zone}/datasets/merchants/versions/1", "zone"
    ),
    ("datasets", "hold"): Probe(
        (*VERSION, "--reason", "r", *T, *Z), "{zone}/datasets/merchants/versions/1", "zone"
    ),
    ("datasets", "unhold"): Probe(
        (*VERSION, "--reason", "r", *T, *Z), "{zone}/datasets/merchants/versions/1", "zone"
    ),
    # the deprecated name of `unhold`, hidden from --help
    ("datasets", "release"): Probe(
        (*VERSION, "--reason", "r", *T, *Z), "{zone}/datasets/merchants/versions/1", "zone"
    ),
    # imports
    ("import",): Probe(("synthetic:10", "--dataset", "probe", *T, *Z), "{zone}/datasets", "zone"),
    ("imports", "list"): Probe((*T, *Z), "{zone}/imports", "zone"),
    ("imports", "show"): Probe(("{import}", *T, *Z), "{zone}/imports/{import}", "zone"),
    # jobs
    ("jobs", "submit"): Probe(("{spec}", *T, *Z), "{zone}/jobs", "zone"),
    ("jobs", "list"): Probe((*T, *Z), "{zone}/jobs", "zone"),
    ("jobs", "status"): Probe(("{job}", *T, *Z), "{zone}/jobs/{job}", "zone"),
    ("jobs", "wait"): Probe(("{job}", *T, *Z), "{zone}/jobs/{job}", "zone"),
    ("jobs", "logs"): Probe(("{job}", *T, *Z), "{zone}/jobs/{job}/logs", "zone"),
    ("jobs", "outputs"): Probe(("{job}", "result", *T, *Z), "{zone}/jobs/{job}/outputs", "zone"),
    ("jobs", "cancel"): Probe(("{job}", *T, *Z), "{zone}/jobs/{job}", "zone"),
    # models
    ("models", "list"): Probe((*T, *Z), "{zone}/models", "zone"),
    ("models", "versions"): Probe(("scorer", *T, *Z), "{zone}/models/scorer", "model"),
    ("models", "show"): Probe(("scorer", "1", *T, *Z), "{zone}/models/scorer/versions/1", "model"),
    ("models", "retire"): Probe(
        ("scorer", "1", "--reason", "r", *T, *Z), "{zone}/models/scorer/versions/1", "model"
    ),
    ("models", "metrics"): Probe(
        ("scorer", "1", *T, *Z), "{zone}/models/scorer/versions/1/metrics", "model"
    ),
    ("models", "plots"): Probe(
        ("scorer", "1", *T, *Z), "{zone}/models/scorer/versions/1/plots", "model"
    ),
    ("models", "promote"): Probe(
        (
            "scorer",
            "1",
            "--dataset-tenant",
            "{tenant}",
            "--dataset",
            "merchants",
            "-p",
            "p",
            *T,
            *Z,
        ),
        "{zone}/models/scorer/versions/1",
        "model",
    ),
    # promotions: requests live in production; an engineer reads the tenant's (as models)
    ("promotions", "list"): Probe(T, "production/promotions", "model"),
    ("promotions", "show"): Probe((NO_ID,), f"production/promotions/{NO_ID}", "platform"),
    ("promotions", "approve"): Probe((NO_ID, *M), f"production/promotions/{NO_ID}", "platform"),
    ("promotions", "reject"): Probe((NO_ID, *M), f"production/promotions/{NO_ID}", "platform"),
    ("promotions", "return"): Probe((NO_ID, *M), f"production/promotions/{NO_ID}", "platform"),
    ("promotions", "withdraw"): Probe((NO_ID,), f"production/promotions/{NO_ID}", "platform"),
    ("deployments", "list"): Probe(T, "production/deployments", "model"),
    ("deployments", "show"): Probe(("scorer", *T), "production/deployments/scorer", "model"),
    ("deployments", "rollback"): Probe(
        ("scorer", "1", "--reason", "r", *T), "production/deployments/scorer", "model"
    ),
    ("deployments", "retire"): Probe(
        ("scorer", "--reason", "r", *T), "production/deployments/scorer", "model"
    ),
    ("keys", "export-promotion-key"): Probe((), "production/promotions/public-key", "platform"),
    # monitoring of deployments: read as deployments are; a run is asked by the owner
    ("monitoring", "status"): Probe(
        ("scorer", *T), "production/deployments/scorer/monitoring", "model"
    ),
    ("monitoring", "runs"): Probe(
        ("scorer", *T), "production/deployments/scorer/monitoring/runs", "model"
    ),
    ("monitoring", "show"): Probe(
        ("scorer", NO_ID, *T), f"production/deployments/scorer/monitoring/runs/{NO_ID}", "model"
    ),
    ("monitoring", "plot"): Probe(
        ("scorer", NO_ID, "psi", "--out", "psi.png", *T),
        f"production/deployments/scorer/monitoring/runs/{NO_ID}/plots/psi",
        "model",
    ),
    ("monitoring", "run"): Probe(
        ("scorer", *T), "production/deployments/scorer/monitoring/runs", "model"
    ),
    # releases: asking is `release` on the job, deciding `review` on the request
    ("releases", "request"): Probe(
        ("{release_job}", "plot", "--purpose", "p", *T, *Z), "{zone}/jobs/{release_job}", "zone"
    ),
    ("releases", "list"): Probe((*T, *Z), "{zone}/releases", "zone"),
    ("releases", "show"): Probe(("{release}", *Z), "{zone}/releases/{release}", "zone"),
    ("releases", "approve"): Probe(("{release}", *Z, *M), "{zone}/releases/{release}", "zone"),
    ("releases", "reject"): Probe(("{release}", *Z, *M), "{zone}/releases/{release}", "zone"),
    ("releases", "return"): Probe(("{release}", *Z, *M), "{zone}/releases/{release}", "zone"),
    ("releases", "publish"): Probe(("{release}", *Z), "{zone}/releases/{release}", "zone"),
    ("releases", "withdraw"): Probe(("{release}", *Z), "{zone}/releases/{release}", "zone"),
    ("releases", "fetch"): Probe(
        ("{release_job}", "by_city", *T, *Z), "{zone}/jobs/{release_job}/outputs", "zone"
    ),
}

MORE_PROBES: tuple[tuple[tuple[str, ...], Probe], ...] = (
    # without --tenant: the reviewers' queue, every tenant's requests in the zone
    (("releases", "list"), Probe(Z, "{zone}/releases", "queue")),
    # without --tenant: every tenant's promotion requests, for compliance
    (("promotions", "list"), Probe((), "production/promotions", "platform")),
)


def walked() -> list[tuple[tuple[str, ...], Probe]]:
    """Every probe with its command's path: one per command, and the commands' others."""
    return [*PROBES.items(), *MORE_PROBES]


# Local operator commands: they run the lab or hold its master key, on the lab's machine,
# before (or beside) any principal exists. Filesystem access to the lab home is their
# authorization; none of them names a tenant's or a zone's thing.
OUT_OF_SCOPE: dict[tuple[str, ...], str] = {
    ("init",): "creates the lab home, master key and first admin: nobody to authorize yet",
    ("serve",): "runs the API; every request then passes the route walk's chokepoint",
    ("migrate",): "upgrades the metastore schema: the operator's, with the database URL",
    ("scheduler",): "runs destruction on schedule as system:scheduler, audited per item",
    ("worker",): "runs queued items; each was authorized when it was submitted",
    ("demo",): "makes a lab of its own in a new home and acts through its API, where every "
    "request passes the chokepoint (tests/lab/cli/test_demo.py)",
    ("keys", "generate"): "prints random bytes; opens no lab",
    ("keys", "rotate"): "needs the master key itself: an operator on the lab's machine",
    ("admin", "recover"): "break-glass: bypasses the chokepoint on purpose, with the master "
    "key, audited as admin.recover (tests/lab/authz/test_break_glass.py)",
}


def cli_commands(app: typer.Typer) -> set[tuple[str, ...]]:
    """The path of every leaf command, from the click group that typer builds."""
    found: set[tuple[str, ...]] = set()
    stack: list[tuple[tuple[str, ...], Any]] = [((), typer.main.get_command(app))]
    while stack:
        path, command = stack.pop()
        subcommands = getattr(command, "commands", None)  # a group (typer may vendor click)
        if subcommands is not None:
            stack.extend(((*path, name), sub) for name, sub in subcommands.items())
        else:
            found.add(path)
    return found
