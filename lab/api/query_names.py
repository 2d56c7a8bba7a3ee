"""Query parameters a route does not know are refused, not ignored.

An ignored parameter is a silent wrong answer: `/v1/audit/export?tenat=acme` would export
every tenant's events to an admin who meant one tenant. Every route therefore answers a
query parameter it does not declare with 422, naming it.
"""

from __future__ import annotations

import functools

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from lab.api.deps import dependency_tree


@functools.cache
def declared_query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters `route` and its dependencies declare (by their alias); worked
    out once per route, since routes do not change once the app is built."""
    return frozenset(
        param.alias
        for dependant in dependency_tree(route.dependant)
        for param in dependant.query_params
    )


async def known_query_only(request: Request) -> None:
    """A dependency of the whole app: refuse query parameters the route does not declare.
    `async`: it only reads the request, so it runs on the event loop, not in a thread."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - declared_query_names(route))
    if unknown:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name[:64]),
                    "msg": "this route has no such query parameter",
                    "type": "extra_forbidden",
                }
                for name in unknown[:10]
            ]
        )
