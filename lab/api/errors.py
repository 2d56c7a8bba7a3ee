"""The one place where lab errors become HTTP responses.

The body is always `{"error": {"code", "message", "request_id"}}`; a client never sees a
stack trace. An unexpected error is logged with its request id, which the 500 carries.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lab.errors import (
    ConfigurationError,
    Conflict,
    Forbidden,
    InvalidInput,
    LabError,
    NotFound,
    Unauthenticated,
)

log = logging.getLogger("lab.api")

STATUS: dict[type[LabError], int] = {
    InvalidInput: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    ConfigurationError: 503,
}


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


def _body(code: str, message: str, request: Request, **extra: object) -> dict[str, object]:
    return {
        "error": {"code": code, "message": message, "request_id": _request_id(request), **extra}
    }


def status_of(exc: LabError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def install(app: FastAPI) -> None:
    @app.exception_handler(LabError)
    async def _lab_error(request: Request, exc: LabError) -> JSONResponse:
        status = status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        details = {k: v for k, v in exc.details.items() if isinstance(v, str | int | float)}
        return JSONResponse(
            _body(exc.code, exc.message, request, **details), status_code=status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "problem": err.get("msg", "")}
            for err in exc.errors()
        ]
        summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems)
        return JSONResponse(
            _body("invalid_input", f"invalid request: {summary}", request, problems=problems),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(_body(code, str(exc.detail), request), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error in request %s", _request_id(request))
        return JSONResponse(
            _body("internal", "internal error; quote the request id to an admin", request),
            status_code=500,
        )
