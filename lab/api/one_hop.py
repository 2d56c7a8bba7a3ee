"""API routes whose plain `def` endpoint costs one request-thread hop, not two.

FastAPI runs a plain `def` endpoint in the request thread pool, then hops to the pool once
more to validate what it returned against the response model, and back. Each hop is a
trip through anyio's capacity limiter, a worker queue, a thread wake-up and the event
loop's self-pipe: under load that machinery was a larger share of the API's CPU time than
most endpoints' own work, and every hop queues the request again behind the others.

`OneHopRoute` (the route class of every API router, `api_router`) gives FastAPI a
coroutine in place of such an endpoint, which runs the endpoint in the request thread
pool: the endpoint still never runs on the event loop, and FastAPI, seeing a coroutine,
validates its answer where it already serialises it, on the loop, without a hop. The
validation is of objects the endpoint has just built; the GIL would let no other Python
code run while a request thread did it anyway. The wrapper keeps the endpoint's signature
(`functools.wraps`), so parameters, dependencies and the OpenAPI document are unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


def in_request_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint` as a coroutine that runs it in the request thread pool; a coroutine or
    generator function (a streamed answer) is returned as it is."""
    if (
        inspect.iscoroutinefunction(endpoint)
        or inspect.isgeneratorfunction(endpoint)
        or inspect.isasyncgenfunction(endpoint)
    ):
        return endpoint

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run


class OneHopRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, in_request_thread(endpoint), **kwargs)


def api_router(**kwargs: Any) -> APIRouter:
    """An `APIRouter` whose routes are `OneHopRoute`s."""
    return APIRouter(route_class=OneHopRoute, **kwargs)
