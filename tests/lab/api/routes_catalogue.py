"""Every protected route with sample arguments, used to walk the whole API in tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.routing import APIRoute

from lab.api.routes.health import OPEN_PATHS
from lab.settings import Settings

DOC_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})

# Sample values naming things of tenant `globex`, for asking from `acme`.
FOREIGN = {
    "tenant": "globex",
    "user": "g-eng",
    "token_id": "0000000000000000",
    "zone": "sandbox",
    "name": "merchants",
    "version": "1",
    "job_id": "0000000000000000",
    "import_id": "0000000000000000",
    "output": "result",
    "release_id": "0000000000000000",
    "promotion_id": "0000000000000000",
    "plot": "roc",
}
VERSION = "/v1/tenants/{tenant}/zones/{zone}/datasets/{name}/versions/{version}"
SANDBOX_RULES = yaml.safe_load(
    (Settings(_env_file=None).zones_dir / "sandbox.yaml").read_text()  # type: ignore[call-arg]
)

# Required query parameters, so that a request is complete apart from its authorization.
QUERY: dict[tuple[str, str], str] = {
    ("DELETE", VERSION): "reason=test",
    ("DELETE", "/v1/tenants/{tenant}"): "confirm=globex",
}

SAMPLE_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/v1/zones/{zone}"): {"rules": SANDBOX_RULES, "comment": "test"},
    ("PUT", VERSION + "/hold"): {"reason": "case 1"},
    ("POST", "/v1/tenants/{tenant}/zones/{zone}/models/{name}/versions/{version}/retire"): {
        "reason": "superseded"
    },
    ("DELETE", VERSION + "/hold"): {"reason": "case 1"},
    ("POST", "/v1/tenants"): {"slug": "newco", "name": "New Co"},
    ("POST", "/v1/tenants/{tenant}/users"): {"name": "newbie", "roles": ["viewer"]},
    ("POST", "/v1/platform/users"): {"name": "staffer", "roles": []},
    ("POST", "/v1/users/{user}/tokens"): {"name": "t"},
    ("POST", "/v1/me/tokens"): {"name": "t"},
    ("POST", "/v1/policy/rules"): {
        "role": "viewer",
        "tenant": "*",
        "obj": "sandbox/x/*",
        "action": "read",
    },
    ("DELETE", "/v1/policy/rules"): {
        "role": "viewer",
        "tenant": "*",
        "obj": "sandbox/x/*",
        "action": "read",
    },
    ("POST", "/v1/tenants/{tenant}/roles"): {"subject": "g-eng", "role": "viewer"},
    ("DELETE", "/v1/tenants/{tenant}/roles"): {"subject": "g-eng", "role": "viewer"},
    ("POST", "/v1/platform/roles"): {"subject": "carol", "role": "admin"},
    ("DELETE", "/v1/platform/roles"): {"subject": "carol", "role": "admin"},
    ("POST", "/v1/tenants/{tenant}/zones/{zone}/releases"): {
        "job_id": "0000000000000000",
        "outputs": ["result"],
        "purpose": "test",
    },
    ("POST", "/v1/zones/{zone}/releases/{release_id}/review"): {
        "decision": "approve",
        "comment": "test",
    },
    ("POST", "/v1/tenants/{tenant}/zones/{zone}/models/{name}/versions/{version}/promotions"): {
        "dataset_tenant": "globex",
        "dataset": "merchants",
        "purpose": "test",
    },
    ("POST", "/v1/promotions/{promotion_id}/review"): {"decision": "approve", "comment": "test"},
    ("POST", "/v1/tenants/{tenant}/zones/production/deployments/{name}/rollback"): {
        "version": 1,
        "reason": "test",
    },
    ("POST", "/v1/tenants/{tenant}/zones/production/deployments/{name}/retire"): {"reason": "test"},
    ("POST", "/v1/policy/dry-run"): {
        "subject": "a-eng",
        "tenant": "acme",
        "zone": "platform",
        "resource": "me",
        "action": "read",
    },
}

# Multipart routes: their form fields and files. Their services authorize before reading a
# byte of the spec, so any content will do; without them the request would be a 422.
JOBS = "/v1/tenants/{tenant}/zones/{zone}/jobs"
IMPORTS = "/v1/tenants/{tenant}/zones/{zone}/imports"
SAMPLE_FORMS: dict[tuple[str, str], tuple[dict[str, str], dict[str, tuple[str, bytes]]]] = {
    ("POST", JOBS): ({}, {"spec": ("job.yaml", b"name: probe\n")}),
    ("POST", IMPORTS): ({"dataset": "merchants"}, {"spec": ("import.yaml", b"source: {}\n")}),
}

# Routes whose tenant comes from the query string: asking with ?tenant=globex.
QUERY_TENANT = frozenset({"/v1/audit/events", "/v1/audit/export", "/v1/receipts"})


@dataclass(frozen=True)
class Call:
    method: str
    template: str
    url: str
    body: dict[str, Any] | None

    def __str__(self) -> str:
        return f"{self.method} {self.template}"

    def send(self, client: Any, headers: dict[str, str] | None = None) -> Any:
        """Make the call: a JSON body, or the form of a multipart route."""
        form = SAMPLE_FORMS.get((self.method, self.template))
        if form is not None:
            data, files = form
            return client.request(self.method, self.url, data=data, files=files, headers=headers)
        return client.request(self.method, self.url, json=self.body, headers=headers)


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every APIRoute the app serves, including those of included routers."""
    found: list[APIRoute] = []
    stack: list[Any] = list(app.routes)
    while stack:
        route = stack.pop(0)
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # routers included by FastAPI >= 0.160
            stack.extend(route.original_router.routes)
    return found


def served_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation the OpenAPI schema publishes."""
    return {
        (method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item
    }


def protected_routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in api_routes(app) if r.path not in OPEN_PATHS | DOC_PATHS]


def calls(app: FastAPI, values: dict[str, str] = FOREIGN) -> list[Call]:
    out = []
    for route in protected_routes(app):
        url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], route.path)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            query = [f"tenant={values['tenant']}"] if route.path in QUERY_TENANT else []
            query += [QUERY[(method, route.path)]] if (method, route.path) in QUERY else []
            full = url + ("?" + "&".join(query) if query else "")
            out.append(Call(method, route.path, full, SAMPLE_BODIES.get((method, route.path))))
    return out


def authorization_marks(route: APIRoute) -> list[tuple[str, ...]]:
    """The `require(...)` markers found anywhere in a route's dependency tree."""
    found: list[tuple[str, ...]] = []
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        mark = getattr(dep.call, "lab_authorization", None) if dep.call else None
        if mark:
            found.append(mark)
        stack.extend(dep.dependencies)
    return found
