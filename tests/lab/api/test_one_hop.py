"""A plain `def` endpoint of an API router runs in a request thread, never on the event
loop, and its answer is still validated against the response model."""

from __future__ import annotations

import threading

import pytest
from fastapi import Depends, FastAPI
from fastapi.exceptions import ResponseValidationError
from fastapi.testclient import TestClient
from pydantic import BaseModel

from lab.api.one_hop import api_router, in_request_thread


class Answer(BaseModel):
    n: int


def _app(seen: dict[str, int]) -> FastAPI:
    router = api_router(prefix="/t")

    async def on_loop() -> int:
        seen["loop"] = threading.get_ident()
        return 1

    @router.get("/good", response_model=Answer)
    def good(one: int = Depends(on_loop), n: int = 2) -> dict[str, int]:
        seen["endpoint"] = threading.get_ident()
        return {"n": n + one}

    @router.get("/bad", response_model=Answer)
    def bad() -> dict[str, str]:
        return {"n": "not a number"}

    app = FastAPI()
    app.include_router(router)
    return app


def test_a_def_endpoint_runs_in_a_request_thread_with_its_parameters() -> None:
    seen: dict[str, int] = {}
    response = TestClient(_app(seen)).get("/t/good", params={"n": 40})
    assert response.status_code == 200
    assert response.json() == {"n": 41}
    assert seen["endpoint"] != seen["loop"]


def test_the_answer_is_still_validated_against_the_response_model() -> None:
    with pytest.raises(ResponseValidationError):
        TestClient(_app({})).get("/t/bad")


def test_the_openapi_document_keeps_the_endpoint_parameters() -> None:
    schema = TestClient(_app({})).get("/openapi.json").json()
    params = schema["paths"]["/t/good"]["get"]["parameters"]
    assert [p["name"] for p in params] == ["n"]


def test_coroutines_and_generators_are_left_as_they_are() -> None:
    async def coroutine() -> None:
        return None

    def generator() -> object:
        yield 1

    assert in_request_thread(coroutine) is coroutine
    assert in_request_thread(generator) is generator
