"""The demo's lab and its people: a lab home with SQLite and an in-process worker, the API
app served in process, and the people of the story with their bearer tokens. Everything
goes through the API and its authorization chokepoint, as a real client's calls would."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from lab.api.app import create_app
from lab.context import Lab
from lab.errors import Conflict
from lab.identity.service import initialise
from lab.keys.master import generate_master_key, write_master_key_file
from lab.settings import Settings
from lab.work.handlers import HANDLERS
from lab.work.worker import Worker

ADMIN = "demo-admin"


class DemoFailed(Exception):
    """A step of the story did not turn out as it should: the message says which."""


@dataclass
class DemoLab:
    lab: Lab
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, home: Path) -> DemoLab:
        settings = Settings(_env_file=None, home=home, database_url=None, master_key=None)
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not settings.master_key_file.exists():
            write_master_key_file(settings.master_key_file, generate_master_key())
        lab = Lab.open(settings, upgrade_schema=True)
        issued = initialise(lab, ADMIN)
        if issued is None:
            lab.close()
            raise Conflict(f"{home} holds a lab already: give the demo a new or empty --home")
        demo = cls(lab, TestClient(create_app(lab), raise_server_exceptions=False))
        demo.tokens[ADMIN] = issued.secret
        return demo

    def close(self) -> None:
        self.client.close()
        self.lab.close()

    def call(self, method: str, who: str, url: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.request(method, url, headers=headers, **kw)

    def ok(self, method: str, who: str, url: str, **kw: Any) -> Any:
        """The call's JSON answer; DemoFailed with the API's message when it is refused."""
        response = self.call(method, who, url, **kw)
        if not response.is_success:
            raise DemoFailed(f"{method} {url} as {who}: {response.status_code} {response.text}")
        return response.json() if "json" in response.headers.get("content-type", "") else response

    def person(self, name: str, roles: list[str], tenant: str | None = None) -> None:
        url = f"/v1/tenants/{tenant}/users" if tenant else "/v1/platform/users"
        self.ok("POST", ADMIN, url, json={"name": name, "roles": roles})
        issued = self.ok("POST", ADMIN, f"/v1/users/{name}/tokens", json={"name": "demo"})
        self.tokens[name] = issued["token"]

    def work(self) -> int:
        """Run every queued item in this process's worker; how many ran."""
        worker, ran = Worker(self.lab, HANDLERS), 0
        while worker.run_once() is not None:
            ran += 1
        return ran

    def submit(self, who: str, tenant: str, zone: str, spec: dict[str, Any], **files: Any) -> Any:
        form = {"spec": ("job.json", json.dumps(spec).encode()), **files}
        job = self.ok("POST", who, f"/v1/tenants/{tenant}/zones/{zone}/jobs", files=form)
        self.work()
        return self.ok("GET", who, f"/v1/tenants/{tenant}/zones/{zone}/jobs/{job['id']}")
