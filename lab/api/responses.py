"""The error body as a schema, and the error statuses each route documents.

`document_errors` walks a router's routes and gives each route the statuses
it can answer, computed from what the route depends on rather than written out per route:
an authorization marker means 401, 403 and 404 (the chokepoint answers a caller with no
standing as if the thing did not exist); every route answers 422 (a value of the wrong
shape, or a query parameter it does not know); any path, query or body value means 400 (a
service refused it); a body means 413; a change means 409; a
route over encrypted data means 503 (a missing key or storage setting). A route may add
a status of its own with `errors(...)`, which is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from lab.api.deps import dependency_tree


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="A stable token: `invalid_input`, `not_found`, ...")
    message: str = Field(description="What went wrong, safe to show a user.")
    request_id: str = Field(description="Quote it to an admin; the audit trail has it too.")


class ErrorOut(BaseModel):
    """Every error the API answers, whatever its status."""

    error: ErrorDetail


WHY: dict[int, str] = {
    400: "The lab cannot accept the request as sent; the message says what to fix.",
    401: "No bearer token, or one that is unknown, expired or revoked.",
    403: "The policy does not allow the caller this action.",
    404: "No such thing, or not one the caller may know of.",
    409: "The current state forbids it (a duplicate, a state change, a hold).",
    413: "The request body is larger than the lab accepts.",
    422: "A path, query or body value does not have the expected shape, or the route has "
    "no such query parameter.",
    503: "The lab is not configured for it (a key or a storage setting is missing).",
}

CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DATA_TAGS = frozenset(
    {"datasets", "jobs", "imports", "releases", "models", "promotions", "monitoring"}
)
"""Routes over encrypted data, which need the storage keys."""


ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
"""Errors are JSON even from a route whose success is text (the public key)."""


def _error(code: int, **given: Any) -> dict[str, Any]:
    # no `model`: FastAPI would build a pydantic field per route and status, in every app
    # (1,500 of them, half of an app's start); the schema is the shared component instead
    return {"description": WHY[code], **given, "content": ERROR_CONTENT}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Statuses a route adds to the ones computed for it (with the error schema)."""
    return {code: _error(code) for code in codes}


def route_statuses(route: APIRoute) -> set[int]:
    """The error statuses `route` can answer, from what it depends on."""
    every = dependency_tree(route.dependant)
    statuses: set[int] = set()
    if any(getattr(d.call, "lab_authorization", None) for d in every):
        statuses |= {401, 403, 404}
    statuses.add(422)  # a query parameter the route does not know (`lab.api.query_names`)
    if any(d.path_params or d.query_params or d.body_params for d in every):
        statuses.add(400)
    if any(d.body_params for d in every):
        statuses.add(413)
    if set(route.methods or ()) & CHANGES:
        statuses.add(409)
    if DATA_TAGS & {str(tag) for tag in route.tags}:
        statuses.add(503)
    return statuses


def document_errors(router: APIRouter) -> None:
    """Give every route of `router` its error statuses (again and again: the same)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        computed = errors(*sorted(route_statuses(route)))
        # a route's own wording of a status wins; the schema is always the error body
        for code, given in route.responses.items():
            is_error = int(code) >= 400
            computed[code] = _error(int(code), **given) if is_error else given
        route.responses = computed


def install_error_schema(app: FastAPI) -> None:
    """Put `ErrorOut` (and what it refers to) among the document's schema components, once:
    every error response refers to it there (`ERROR_CONTENT`)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            body = ErrorOut.model_json_schema(
                ref_template="#/components/schemas/{model}", mode="serialization"
            )
            schemas.update(body.pop("$defs", {}))
            schemas["ErrorOut"] = body
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]
