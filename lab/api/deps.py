"""Dependencies shared by the routes: the lab, the principal and `require`.

No dependency hands a route a database session. FastAPI closes a `yield` dependency only
after the response has been validated, and that validation waits for a free request thread:
a session (a pooled connection; on SQLite perhaps the write lock) held across that wait
deadlocked the API under load, every thread waiting for a connection held by a request
waiting for a thread, until the pool timed out. Routes and services open their sessions
in the request thread and close them before they return (`lab.read()`, `lab.transaction()`),
so a connection is only ever held by a running thread and the pools, sized to the threads
(`Settings.metastore_pool_size`), never run dry.

`require(...)` is the route-side face of the chokepoint. A route without it fails
`tests/lab/api/test_route_protection.py`, which walks every route of the app.
"""

from __future__ import annotations

import inspect
import string
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lab.api.params import PATH_TYPES, TenantFilter
from lab.auditing import Actor
from lab.authz.chokepoint import PLATFORM, Principal
from lab.authz.request import Decision
from lab.context import Lab
from lab.errors import Unauthenticated
from lab.identity.users import policy_domain
from lab.tokens.service import authenticate

TenantFrom = Literal["platform", "path", "query", "user", "self"]

_bearer = HTTPBearer(auto_error=False, description="A lab token: `lab_<id>_<secret>`.")


def dependency_tree(dependant: Dependant) -> list[Dependant]:
    """`dependant` (a route's, say) and everything it depends on, depth first."""
    return [dependant, *(d for sub in dependant.dependencies for d in dependency_tree(sub))]


# The dependencies that only read the request are `async def`: FastAPI runs a plain `def`
# dependency in the request thread pool, and a hop to a thread and back costs more than
# they do. The ones that touch the metastore stay `def`, off the event loop.


async def get_lab(request: Request) -> Lab:
    lab: Lab = request.app.state.lab
    return lab


def request_id(request: Request) -> str:
    return str(request.state.request_id)


def _principal(
    request: Request, lab: Lab, credentials: HTTPAuthorizationCredentials | None
) -> Principal:
    if credentials is None:
        raise Unauthenticated("missing bearer token (Authorization: Bearer lab_...)")
    return authenticate(lab, credentials.credentials, request_id=request_id(request))


def current_principal(
    request: Request,
    lab: Lab = Depends(get_lab),
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Principal:
    return _principal(request, lab, credentials)


def _checked_values(resource: str, zone: str, tenant: TenantFrom) -> list[inspect.Parameter]:
    """The path and query values an authorization dependency uses, typed from
    `lab.api.params`: FastAPI validates them before the dependency runs (a control
    character, an over-long segment or a malformed slug is a 422, never an audit row)."""
    names = {
        field
        for template in (resource, zone)
        for _, field, _, _ in string.Formatter().parse(template)
        if field
    }
    if tenant == "path":
        names.add("tenant")
    elif tenant == "user":
        names.add("user")
    params = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=PATH_TYPES[name])
        for name in sorted(names)
    ]
    if tenant == "query":
        params.append(
            inspect.Parameter(
                "tenant", inspect.Parameter.KEYWORD_ONLY, annotation=TenantFilter, default=None
            )
        )
    return params


def _with_values(func: Callable[..., Any], values: list[inspect.Parameter]) -> None:
    """Declare `values` as keyword parameters of the dependency `func` (which takes them
    as `**checked`), so that FastAPI validates them and documents them."""
    signature = inspect.signature(func)
    fixed = [p for p in signature.parameters.values() if p.kind != p.VAR_KEYWORD]
    func.__dict__["__signature__"] = signature.replace(parameters=[*fixed, *values])


@dataclass(frozen=True)
class Access:
    """What the route learns from the chokepoint: who asks, in which tenant, and why allowed."""

    principal: Principal
    tenant: str
    decision: Decision
    request_id: str

    @property
    def actor(self) -> str:
        return self.principal.user

    def as_actor(self) -> Actor:
        return Actor(self.principal.user, self.request_id)


def require(
    action: str, resource: str, *, zone: str = "platform", tenant: TenantFrom = "platform"
) -> Any:
    """A dependency that authorizes the request through the chokepoint.

    `resource` and `zone` may name path parameters (`"users/{user}"`, `"{zone}"`); a zone
    the lab does not know is answered like a missing resource. `tenant` says where the tenant
    (the policy domain) comes from: the `tenant` path or query parameter, the tenant of the
    user named in the path, the caller's own tenant (`self`), or platform-level (`*`).
    """

    def _authorize(
        request: Request,
        lab: Lab = Depends(get_lab),
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
        **checked: Any,
    ) -> Access:
        # authenticated here, not by depending on `current_principal`: one request thread
        # hop for both steps instead of two
        principal = _principal(request, lab, credentials)
        params = {k: str(v) for k, v in checked.items() if v is not None}
        domain = PLATFORM
        if tenant in ("path", "query"):
            domain = params.get("tenant", PLATFORM)
        elif tenant == "user":
            with lab.read() as session:
                domain = policy_domain(session, params["user"])
        elif tenant == "self":
            domain = principal.tenant or PLATFORM
        zone_name = zone.format(**params)
        decision = lab.chokepoint.authorize(
            principal,
            action=action,
            resource=resource.format(**params),
            zone=zone_name,
            tenant=domain,
            request_id=request_id(request),
            hide_unknown=tenant in ("path", "user"),
        )
        return Access(principal, domain, decision, request_id(request))

    _with_values(_authorize, _checked_values(resource, zone, tenant))
    marker: Callable[..., Access] = _authorize
    marker.__dict__["lab_authorization"] = (action, resource, zone, tenant)
    return Depends(_authorize)


@dataclass(frozen=True)
class Caller:
    """An authenticated principal whose route leaves the authorization to its service."""

    principal: Principal
    request_id: str

    def as_actor(self) -> Actor:
        return Actor(self.principal.user, self.request_id)


def service_authorizes(
    action: str, resource: str, *, zone: str = "platform", tenant: TenantFrom = "platform"
) -> Any:
    """A dependency for routes whose feature service passes the chokepoint itself.

    The service (`lab.runs.service`, `lab.imports.service`, ...) authorizes the action and
    then looks the item up by zone, for the API and the CLI alike; authorizing here too
    would write every decision twice. The route still carries the same marker as
    `require`, naming what its service asks, so the route walk sees that it is protected
    (and its denial tests prove that the service does ask)."""

    async def _authenticate(
        request: Request, principal: Principal = Depends(current_principal), **checked: Any
    ) -> Caller:
        return Caller(principal, request_id(request))

    _with_values(_authenticate, _checked_values(resource, zone, tenant))
    marker: Callable[..., Awaitable[Caller]] = _authenticate
    marker.__dict__["lab_authorization"] = (action, resource, zone, tenant)
    return Depends(_authenticate)
