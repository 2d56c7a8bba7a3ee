"""Query parameters a route does not know are refused, not ignored.

An ignored parameter is a silent wrong answer: `/v1/audit/export?tenat=acme` would export
every tenant's events to an admin who meant one tenant. Every route therefore answers a
query parameter it does not declare with 422, naming it.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from lab.api.deps import dependency_tree

_DECLARED: dict[int, tuple[APIRoute, frozenset[str]]] = {}


def declared_query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters `route` and its dependencies declare (by their alias); worked
    out once per route (routes do not change once the app is built; they are not hashable,
    so they are remembered by identity, the route kept alive with its names)."""
    known = _DECLARED.get(id(route))
    if known is not None and known[0] is route:
        return known[1]
    names = frozenset(
        param.alias
        for dependant in dependency_tree(route.dependant)
        for param in dependant.query_params
    )
    _DECLARED[id(route)] = (route, names)
    return names


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
