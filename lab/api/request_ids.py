"""Every request gets an id: the client's `X-Request-ID` if it is a sane one, else a new one.

The id is kept in the request's state (routes and the error handler read it there, and
the audit log records it with every decision) and sent back as `X-Request-ID`. A plain
ASGI middleware: Starlette's `BaseHTTPMiddleware` wraps every response in a stream and a
task group, which cost more than the rest of a small request's way through the app.
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if CLIENT_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
