"""The FastAPI application: routes, the error handler and request ids."""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Request, Response

import lab as lab_package
from lab.api import errors
from lab.api.body_limit import BodyLimit
from lab.api.query_names import known_query_only
from lab.api.responses import document_errors
from lab.api.routes import (
    audit,
    datasets,
    health,
    imports,
    jobs,
    me,
    models,
    policy,
    releases,
    tenants,
    tokens,
    users,
    zones,
)
from lab.context import Lab
from lab.work.folders import upload_spool

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

DESCRIPTION = """
A privacy-preserving data collaboration lab. Every route but `/health` needs a bearer
token (`Authorization: Bearer lab_...`) and passes one authorization chokepoint that
audits allow and deny alike. Errors are `{"error": {"code", "message", "request_id"}}`.
Times without an offset are taken as UTC. Bodies that are not uploads are capped
(`LAB_MAX_JSON_BODY_BYTES`, 413 beyond it).
"""


def spool_uploads_privately(lab: Lab) -> None:
    """Uploads larger than a megabyte are spooled to (anonymous) temporary files: keep them
    in a folder of the lab home only the lab can enter, not in the machine's /tmp. Process
    wide (Python's temporary folder), so `lab serve` calls it once at start."""
    spool = upload_spool(lab.settings)
    spool.mkdir(parents=True, exist_ok=True, mode=0o700)
    tempfile.tempdir = str(spool)


def create_app(lab: Lab) -> FastAPI:
    app = FastAPI(
        title="Data collaboration lab",
        version=lab_package.__version__,
        description=DESCRIPTION,
        dependencies=[Depends(known_query_only)],
    )
    app.state.lab = lab
    errors.install(app)
    # inside the request id middleware (added after it), so a 413 carries the request id
    app.add_middleware(BodyLimit, largest=lab.settings.max_json_body_bytes)

    @app.middleware("http")
    async def _request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("x-request-id", "")
        request.state.request_id = given if _CLIENT_ID.fullmatch(given) else uuid.uuid4().hex
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        return response

    for module in (
        health,
        me,
        tenants,
        users,
        tokens,
        policy,
        audit,
        zones,
        datasets,
        jobs,
        releases,
        imports,
        models,
    ):
        document_errors(module.router)
        app.include_router(module.router)
    return app
