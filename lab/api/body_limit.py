"""A cap on the size of request bodies that are not uploads (JSON, mostly).

The body is read (up to the cap) before the app sees it: a larger one is refused with
413 and the lab's error body, whether it declared its length or streamed it. Multipart
uploads (imports, jobs) are left to their routes, which cap each file themselves
(`max_upload_bytes`, the spec and bundle caps).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_TYPES = ("multipart/form-data",)


class BodyLimit:
    def __init__(self, app: ASGIApp, largest: int) -> None:
        self.app = app
        self.largest = largest

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._is_upload(scope):
            await self.app(scope, receive, send)
            return
        declared = self._header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.largest:
            await self._refuse(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.largest:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], receive), send)

    @staticmethod
    def _header(scope: Scope, name: bytes) -> str:
        for key, value in scope.get("headers", []):
            if key.lower() == name:
                return bytes(value).decode("latin-1").strip()
        return ""

    def _is_upload(self, scope: Scope) -> bool:
        kind = self._header(scope, b"content-type").lower()
        return kind.startswith(UPLOAD_TYPES)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        request_id = str(scope.get("state", {}).get("request_id", "-"))
        body = json.dumps(
            {
                "error": {
                    "code": "too_large",
                    "message": f"the request body is larger than {self.largest} bytes",
                    "request_id": request_id,
                }
            }
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that hands out `messages` first, then defers to the real one."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
