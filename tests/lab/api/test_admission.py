"""Admission queues requests beyond the request threads before any work is done for them,
lets the next one in when a response starts, and never holds uploads."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from lab.api.admission import Admission


class Probe:
    """An app whose requests announce that they entered, then wait to be let go."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    def gate(self, name: str) -> asyncio.Event:
        return self.release.setdefault(name, asyncio.Event())

    def app(self) -> Starlette:
        async def hold(request: Request) -> PlainTextResponse:
            name = request.query_params["name"]
            self.entered.append(name)
            await self.gate(name).wait()
            return PlainTextResponse(name)

        async def stream(request: Request) -> StreamingResponse:
            name = request.query_params["name"]
            self.entered.append(name)

            async def body() -> AsyncIterator[bytes]:
                yield b"head "
                await self.gate(name).wait()
                yield b"tail"

            return StreamingResponse(body())

        return Starlette(
            routes=[Route("/hold", hold, methods=["GET", "POST"]), Route("/stream", stream)]
        )


async def until(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def settle() -> None:
    """Let every runnable task run until it blocks."""
    for _ in range(20):
        await asyncio.sleep(0)


def client(probe: Probe, slots: int) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=Admission(probe.app(), slots=slots))
    return httpx2.AsyncClient(transport=transport, base_url="http://lab")


def test_requests_beyond_the_slots_wait_outside_in_arrival_order() -> None:
    async def scenario() -> None:
        probe = Probe()
        async with client(probe, slots=2) as http:
            calls = {n: asyncio.create_task(http.get(f"/hold?name={n}")) for n in "abcd"}
            await until(lambda: len(probe.entered) == 2)
            await settle()
            assert probe.entered == ["a", "b"]  # c and d are queued, no work done for them
            probe.gate("b").set()
            await until(lambda: len(probe.entered) == 3)
            assert probe.entered[2] == "c"  # first come, first served
            for name in "acd":
                probe.gate(name).set()
            answers = {n: (await t).text for n, t in calls.items()}
        assert answers == {n: n for n in "abcd"}
        assert probe.entered == ["a", "b", "c", "d"]

    asyncio.run(scenario())


def test_a_slot_is_freed_when_the_response_starts_not_when_its_body_ends() -> None:
    async def scenario() -> None:
        probe = Probe()
        admission = Admission(probe.app(), slots=1)
        started = asyncio.Event()

        sent_body = False

        async def receive() -> dict[str, object]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client stays connected
            raise AssertionError("unreachable")

        async def send(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                started.set()

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/stream",
            "raw_path": b"/stream",
            "query_string": b"name=s",
            "headers": [],
            "server": ("lab", 80),
            "client": ("test", 1),
        }
        streaming = asyncio.create_task(admission(scope, receive, send))  # type: ignore[arg-type]
        await until(started.is_set)  # headers sent; the body waits for its gate
        transport = httpx2.ASGITransport(app=admission)
        async with httpx2.AsyncClient(transport=transport, base_url="http://lab") as http:
            answer = asyncio.create_task(http.get("/hold?name=next"))
            await until(lambda: "next" in probe.entered)
            probe.gate("next").set()
            assert (await answer).text == "next"
        assert not streaming.done()
        probe.gate("s").set()
        async with asyncio.timeout(5):
            await streaming

    asyncio.run(scenario())


def test_uploads_do_not_hold_a_slot() -> None:
    async def scenario() -> None:
        probe = Probe()
        async with client(probe, slots=1) as http:
            first = asyncio.create_task(http.get("/hold?name=busy"))
            await until(lambda: probe.entered == ["busy"])
            upload = asyncio.create_task(
                http.post("/hold?name=upload", files={"data": ("x.csv", b"a,b\n1,2\n")})
            )
            await until(lambda: "upload" in probe.entered)  # not queued behind `busy`
            probe.gate("upload").set()
            probe.gate("busy").set()
            assert (await upload).text == "upload"
            assert (await first).text == "busy"

    asyncio.run(scenario())


def test_a_failing_request_gives_its_slot_back() -> None:
    async def boom(request: Request) -> PlainTextResponse:
        raise RuntimeError("route failed")

    async def ok(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/boom", boom), Route("/ok", ok)])
    transport = httpx2.ASGITransport(app=Admission(app, slots=1), raise_app_exceptions=False)

    async def scenario() -> None:
        async with httpx2.AsyncClient(transport=transport, base_url="http://lab") as http:
            for _ in range(3):
                await http.get("/boom")
            async with asyncio.timeout(5):
                assert (await http.get("/ok")).text == "ok"

    asyncio.run(scenario())


@pytest.mark.parametrize("slots", [0, -1])
def test_slots_must_be_positive(slots: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Admission(Starlette(), slots=slots)
