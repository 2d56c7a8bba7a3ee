"""Every `lab` command that touches a tenant's or a zone's things passes the chokepoint.

The CLI's counterpart of `tests/lab/api/test_route_protection.py`: each command of
`commands_catalogue` is run with LAB_TOKEN of someone who must be refused, on SQLite and
PostgreSQL, and must fail with exactly one deny event naming the right object. Before this
walk existed, `lab jobs cancel` authorized one zone and cancelled in another, and `lab
imports list` authorized the sandbox and listed every zone; the probes for both are here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from audit.schema import events_table
from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.cli.main import app
from lab.releases.models import PENDING, ReleaseRequest
from lab.releases.service import request_release
from lab.settings import Settings
from lab.work.models import CANCELLED, QUEUED
from lab.work.queue import get_item, submit
from tests.lab.cli.commands_catalogue import (
    MORE_PROBES,
    OUT_OF_SCOPE,
    PROBES,
    TENANT_REACH,
    ZONE_REACH,
    Probe,
    cli_commands,
    walked,
)
from tests.lab.factories import World
from tests.lab.releases.jobs import finished_job

runner = CliRunner()
SPEC = (
    "name: probe\nzone: {zone}\nengine: sql\ninputs: {{sales: {{dataset: sales}}}}\n"
    'code: {{query: "SELECT 1 AS x"}}\n'
    "outputs: {{out: {{sensitivity: moderately_sensitive, kind: table}}}}\n"
)


@dataclass
class Walk:
    """The standard world, a user with no role, and queued items and pending release
    requests to aim at."""

    world: World
    files: Path
    items: dict[tuple[str, str, str], str]  # (tenant, zone, kind) -> item id
    releases: dict[tuple[str, str], tuple[str, str]]  # (tenant, zone) -> (job id, request id)

    def run(self, who: str, argv: list[str]) -> tuple[int, str]:
        settings = self.world.lab.settings
        assert settings.master_key is not None
        env = {
            "LAB_HOME": str(settings.home),
            "LAB_DATABASE_URL": settings.metastore_url,
            "LAB_MASTER_KEY": settings.master_key.get_secret_value(),
            "LAB_POLICY_REFRESH_SECONDS": "0",
            "LAB_TOKEN": self.world.tokens[who],
            "COLUMNS": "200",
        }
        result = runner.invoke(app, argv, env=env)
        return result.exit_code, result.output

    def values(self, tenant: str, zone: str) -> dict[str, str]:
        spec = self.files / f"job-{zone}.yaml"
        spec.write_text(SPEC.format(zone=zone))
        return {
            "tenant": tenant,
            "zone": zone,
            "user": "g-eng" if tenant == "globex" else "a-viewer",
            "job": self.items[(tenant, zone, "job")],
            "import": self.items[(tenant, zone, "import")],
            "release_job": self.releases[(tenant, zone)][0],
            "release": self.releases[(tenant, zone)][1],
            "spec": str(spec),
            "zonefile": str(Settings(_env_file=None).zones_dir / "sandbox.yaml"),  # type: ignore[call-arg]
        }

    def deny_events(self, who: str, after: int) -> list[sa.Row[tuple[str, str | None]]]:
        query = (
            sa.select(events_table.c.resource, events_table.c.tenant)
            .where(events_table.c.actor == who, events_table.c.decision == "deny")
            .where(events_table.c.seq > after)
        )
        with self.world.lab.engine.connect() as conn:
            return list(conn.execute(query))

    def last_seq(self) -> int:
        with self.world.lab.engine.connect() as conn:
            return int(conn.scalar(sa.select(sa.func.max(events_table.c.seq))) or 0)

    def events(self, action: str) -> list[str]:
        query = sa.select(events_table.c.resource).where(events_table.c.action == action)
        with self.world.lab.engine.connect() as conn:
            return list(conn.scalars(query))

    def state(self, item_id: str) -> str:
        with self.world.lab.read() as session:
            return get_item(session, item_id).state

    def release_states(self) -> dict[str, str]:
        with self.world.lab.read() as session:
            return dict(session.execute(sa.select(ReleaseRequest.id, ReleaseRequest.state)).all())

    def untouched(self) -> bool:
        """Still one pending request per tenant and zone, and no other."""
        pending = {release: PENDING for _, release in self.releases.values()}
        return self.release_states() == pending

    def probe(
        self, who: str, path: tuple[str, ...], values: dict[str, str], probe: Probe | None = None
    ) -> str:
        """Run one command as `who`; it must fail with one deny event for its object."""
        probe = probe or PROBES[path]
        before = self.last_seq()
        code, out = self.run(who, probe.argv(path, values))
        label = f"{who}: lab {' '.join(path)}"
        assert code != 0, f"{label} was allowed: {out}"
        assert "Traceback" not in out, f"{label}: {out}"
        denied = self.deny_events(who, before)
        assert len(denied) == 1, f"{label}: {len(denied)} deny events; {out}"
        resource, tenant = denied[0]
        assert resource == probe.expected(values), label
        expected_tenant = values["tenant"] if probe.reach in TENANT_REACH else None
        assert tenant == expected_tenant, label
        return out


@pytest.fixture
def walk(tmp_path: Path, world: World) -> Iterator[Walk]:
    world.user("nobody")  # platform user, no role at all
    items: dict[tuple[str, str, str], str] = {}
    releases: dict[tuple[str, str], tuple[str, str]] = {}
    with world.lab.transaction() as session:
        for tenant in ("acme", "globex"):
            for zone in ("sandbox", "production"):
                for kind in ("job", "import"):
                    items[(tenant, zone, kind)] = submit(
                        session,
                        kind=kind,
                        tenant=tenant,
                        zone=zone,
                        name=f"{tenant}-{zone}-{kind}",
                        submitter=f"{tenant[0]}-owner",
                        spec={},
                    ).id
    for tenant in ("acme", "globex"):
        owner = f"{tenant[0]}-owner"
        for zone in ("sandbox", "production"):
            job = finished_job(world, tenant=tenant, zone=zone, submitter=owner)
            asked = request_release(
                world.lab,
                Principal(owner, tenant),
                Actor(owner),
                tenant=tenant,
                zone=zone,
                job_id=job,
                outputs=["by_city"],
                purpose="the walk's target",
            )
            releases[(tenant, zone)] = (job, asked.id)
    files = tmp_path / "files"
    files.mkdir()
    yield Walk(world, files, items, releases)


def test_every_command_is_walked_or_excused() -> None:
    commands = cli_commands(app)
    assert len(commands) >= 40
    assert set(PROBES).isdisjoint(OUT_OF_SCOPE)
    assert sorted(commands - set(PROBES) - set(OUT_OF_SCOPE)) == [], "commands without a probe"
    assert sorted((set(PROBES) | set(OUT_OF_SCOPE)) - commands) == [], "probes of no command"
    assert {path for path, _ in MORE_PROBES} <= set(PROBES), "a second probe of no command"


def test_a_user_without_roles_is_denied_every_command(walk: Walk) -> None:
    values = walk.values("globex", "sandbox")
    for path, probe in walked():
        walk.probe("nobody", path, values, probe)
    assert walk.untouched()


def test_a_member_of_another_tenant_is_denied_as_if_nothing_were_there(walk: Walk) -> None:
    values = walk.values("globex", "sandbox")
    for path, probe in walked():
        if probe.reach in TENANT_REACH:
            out = walk.probe("a-owner", path, values, probe)
            assert "not found" in out, f"lab {' '.join(path)}: {out}"
    assert walk.state(values["job"]) == QUEUED
    assert walk.untouched()


def test_a_sandbox_engineer_is_denied_every_production_item(walk: Walk) -> None:
    values = walk.values("acme", "production")
    for path, probe in walked():
        if probe.reach in ZONE_REACH:
            out = walk.probe("a-eng", path, values, probe)
            assert "not allowed" in out, f"lab {' '.join(path)}: {out}"
    assert walk.state(values["job"]) == QUEUED
    assert walk.untouched()


def test_the_reviewers_queue_is_for_platform_reviewers_only(walk: Walk) -> None:
    """Every tenant's requests in a zone: no tenant role reaches it, not even an owner in
    the sandbox (who lists their own tenant's with --tenant); a reviewer sees them all."""
    queue = [(path, probe) for path, probe in walked() if probe.reach == "queue"]
    assert queue
    for zone in ("sandbox", "production"):
        for who in ("a-owner", "a-eng", "a-viewer", "g-owner"):
            values = walk.values(f"{'globex' if who[0] == 'g' else 'acme'}", zone)
            for path, probe in queue:
                out = walk.probe(who, path, values, probe)
                assert "not allowed" in out, f"{who}: lab {' '.join(path)}: {out}"
        for path, probe in queue:
            code, out = walk.run("carol", probe.argv(path, walk.values("acme", zone)))
            assert code == 0, out
            assert {walk.releases[(t, zone)][1] for t in ("acme", "globex")} <= set(out.split())
    assert walk.untouched()


def test_cancelling_a_production_item_through_the_sandbox_finds_nothing(walk: Walk) -> None:
    """The drift the walk was written for: sandbox rights, a production job's id."""
    for kind in ("job", "import"):
        target = walk.items[("acme", "production", kind)]
        argv = ["jobs", "cancel", target, "--tenant", "acme", "--zone", "sandbox"]
        code, out = walk.run("a-eng", argv)
        assert code == 1 and "no job" in out, out
        assert walk.state(target) == QUEUED
    assert walk.events("job.cancel") == []


def test_cancelling_a_sandbox_import_through_jobs_finds_nothing(walk: Walk) -> None:
    target = walk.items[("acme", "sandbox", "import")]
    code, out = walk.run("a-eng", ["jobs", "cancel", target, "--tenant", "acme"])
    assert code == 1 and "no job" in out, out
    assert walk.state(target) == QUEUED


def test_an_engineer_cancels_a_sandbox_job_as_its_own_audited_action(walk: Walk) -> None:
    target = walk.items[("acme", "sandbox", "job")]
    code, out = walk.run("a-eng", ["jobs", "cancel", target, "--tenant", "acme"])
    assert code == 0, out
    assert walk.state(target) == CANCELLED
    assert walk.events("job.cancel") == [f"sandbox/jobs/{target}"]
    assert f"sandbox/jobs/{target}" in walk.events("access.cancel")


def test_a_release_request_through_another_zone_is_not_found_and_audited(walk: Walk) -> None:
    """The release commands name no tenant, so the request is looked for in the zone asked
    about; its author reaching through the sandbox finds nothing, and the attempt is a
    denial on the record, not a silent answer."""
    target = walk.releases[("acme", "production")][1]
    for argv in (["show", target], ["withdraw", target]):
        before = walk.last_seq()
        code, out = walk.run("a-owner", ["releases", *argv, "--zone", "sandbox"])
        assert code == 1 and "not found" in out, out
        assert [tuple(row) for row in walk.deny_events("a-owner", before)] == [
            (f"sandbox/releases/{target}", None)
        ]
    assert walk.untouched()


def test_listing_imports_shows_the_authorized_zone_only(walk: Walk) -> None:
    sandbox = walk.items[("acme", "sandbox", "import")]
    production = walk.items[("acme", "production", "import")]
    code, out = walk.run("a-eng", ["imports", "list", "--tenant", "acme"])
    assert code == 0, out
    assert sandbox in out and production not in out
    code, out = walk.run("a-owner", ["imports", "list", "--tenant", "acme", "--zone", "production"])
    assert code == 0 and production in out and sandbox not in out, out


def test_showing_an_import_of_another_zone_finds_nothing(walk: Walk) -> None:
    production = walk.items[("acme", "production", "import")]
    code, out = walk.run("a-eng", ["imports", "show", production, "--tenant", "acme"])
    assert code == 1 and "no import" in out, out
    code, out = walk.run("a-eng", ["jobs", "list", "--tenant", "acme"])
    assert code == 0 and walk.items[("acme", "production", "job")] not in out


def test_an_engineer_reads_the_zones_through_the_cli_as_through_the_api(walk: Walk) -> None:
    """The CLI once asked about zones on the platform, where an engineer's role does not
    hold, while the API asked in the engineer's own tenant: the same user, two answers."""
    assert walk.world.get("a-eng", "/v1/zones").status_code == 200
    for argv in (["zones", "list"], ["zones", "show", "sandbox"], ["zones", "history", "sandbox"]):
        code, out = walk.run("a-eng", argv)
        assert code == 0, f"{argv}: {out}"
