"""Factories for lab tests: real settings, a real metastore, a real app, no mocks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from lab.api.app import create_app
from lab.authz import admin as policy_admin
from lab.context import Lab
from lab.identity.tenants import create_tenant
from lab.identity.tokens import issue_token
from lab.identity.users import create_user
from lab.keys.master import generate_master_key
from lab.settings import Settings


def make_settings(home: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": home,
        "database_url": database_url,
        "master_key": generate_master_key(),
        "policy_refresh_seconds": 0.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_lab(settings: Settings) -> Lab:
    """A migrated lab with the seed policy loaded."""
    lab = Lab.open(settings, upgrade_schema=True)
    with lab.transaction() as session:
        policy_admin.seed(session, "system:test")
    lab.policy.refresh(force=True)
    return lab


@dataclass
class World:
    """A lab with an API client, and builders for tenants and users with tokens."""

    lab: Lab
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, home: Path, database_url: str | None = None, **overrides: Any) -> World:
        lab = make_lab(make_settings(home, database_url, **overrides))
        return cls(lab=lab, client=TestClient(create_app(lab), raise_server_exceptions=False))

    def close(self) -> None:
        self.client.close()
        self.lab.close()

    def tenant(self, slug: str, name: str | None = None) -> str:
        with self.lab.transaction() as session:
            create_tenant(session, slug, name or slug.title())
        return slug

    def user(
        self,
        name: str,
        *,
        tenant: str | None = None,
        roles: Sequence[str] = (),
        ttl: timedelta = timedelta(days=1),
    ) -> str:
        """Create a user with roles and a token; returns the bearer token."""
        with self.lab.transaction() as session:
            user = create_user(session, name, tenant=tenant)
            for role in roles:
                policy_admin.assign_role(
                    session, "system:test", policy_admin.RoleAssignment(name, role, tenant or "*")
                )
            issued = issue_token(session, user, ttl=ttl, name="test")
        self.lab.policy.refresh(force=True)
        self.tokens[name] = issued.secret
        return issued.secret

    def headers(self, who: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **(extra or {})}

    def call(self, method: str, who: str, url: str, **kw: Any) -> Any:
        headers = self.headers(who, kw.pop("headers", None))
        return self.client.request(method, url, headers=headers, **kw)

    def get(self, who: str, url: str, **kw: Any) -> Any:
        return self.call("GET", who, url, **kw)

    def post(self, who: str, url: str, **kw: Any) -> Any:
        return self.call("POST", who, url, **kw)

    def delete(self, who: str, url: str, **kw: Any) -> Any:
        return self.call("DELETE", who, url, **kw)

    def cli(self, who: str, *argv: str) -> tuple[int, str]:
        """`lab <argv>` as `who` (LAB_TOKEN) against this world's lab home and metastore:
        the exit code and what it printed."""
        from typer.testing import CliRunner

        from lab.cli.main import app

        settings = self.lab.settings
        assert settings.master_key is not None
        env = {
            "LAB_HOME": str(settings.home),
            "LAB_DATABASE_URL": settings.metastore_url,
            "LAB_MASTER_KEY": settings.master_key.get_secret_value(),
            "LAB_POLICY_REFRESH_SECONDS": "0",
            "LAB_TOKEN": self.tokens[who],
            "COLUMNS": "200",
        }
        result = CliRunner().invoke(app, list(argv), env=env)
        return result.exit_code, result.output


def standard_world(home: Path, database_url: str | None = None, **overrides: Any) -> World:
    """Two tenants with an owner, an engineer and a viewer each, plus admin and compliance."""
    world = World.create(home, database_url, **overrides)
    world.user("root", roles=["admin"])
    world.user("carol", roles=["compliance"])
    for tenant, prefix in (("acme", "a"), ("globex", "g")):
        world.tenant(tenant)
        world.user(f"{prefix}-owner", tenant=tenant, roles=["owner"])
        world.user(f"{prefix}-eng", tenant=tenant, roles=["engineer"])
        world.user(f"{prefix}-viewer", tenant=tenant, roles=["viewer"])
    return world
