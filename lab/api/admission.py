"""Admission: a request enters the app only when a request thread is sure to be free for it.

A request through this API hops to the request thread pool several times: to authenticate
its token, to pass the chokepoint, to run the route, and (FastAPI does this for every
plain `def` route) to validate the response. With more requests inside than threads, each
hop queues again behind every request that arrived since, so a request's time grew with
the number of hops times the crowd: under 50 clients the slowest requests took several
times the median although no single step was slow.

`Admission` lets at most `slots` requests (the request threads, `Settings.api_threads`)
in at once and queues the rest, first come first served, before any work is done for
them. A request inside never waits for a thread, and its slot is given to the next
request as soon as its response starts. Requests that stream a large body in (multipart
uploads) are not counted: they would hold a slot for as long as the client takes to send.
"""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Admission:
    def __init__(self, app: ASGIApp, *, slots: int) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        self.app = app
        self.slots = slots
        self._gate: asyncio.Semaphore | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        if self._gate is None:  # made on first use, inside the server's event loop
            self._gate = asyncio.Semaphore(self.slots)
        return self._gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _streams_a_body(scope):
            await self.app(scope, receive, send)
            return
        gate = self._semaphore()
        await gate.acquire()
        held = True

        def let_next_in() -> None:
            nonlocal held
            if held:
                held = False
                gate.release()

        async def send_and_release(message: Message) -> None:
            if message["type"] == "http.response.start":
                let_next_in()
            await send(message)

        try:
            await self.app(scope, receive, send_and_release)
        finally:
            let_next_in()


def _streams_a_body(scope: Scope) -> bool:
    return Headers(scope=scope).get("content-type", "").lower().startswith("multipart/")
