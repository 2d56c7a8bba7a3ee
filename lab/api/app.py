"""The FastAPI application: routes, the error handler and request ids."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from anyio.to_thread import current_default_thread_limiter
from fastapi import Depends, FastAPI

import lab as lab_package
from lab.api import docs, errors, heap
from lab.api.admission import Admission
from lab.api.body_limit import BodyLimit
from lab.api.query_names import known_query_only
from lab.api.request_ids import RequestIds
from lab.api.responses import document_errors, install_error_schema
from lab.api.routes import (
    audit,
    datasets,
    health,
    imports,
    jobs,
    me,
    models,
    monitoring,
    policy,
    promotions,
    releases,
    tenants,
    tokens,
    users,
    zones,
)
from lab.console.app import create_console
from lab.context import Lab
from lab.work.folders import upload_spool

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


def create_app(lab: Lab, *, owns_lab: bool = False) -> FastAPI:
    """The API over `lab`; with `owns_lab`, the app closes the lab when it shuts down."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Sync routes and dependencies run in anyio's thread pool: as many at once as the
        # metastore pools were sized for (Settings.api_threads), so no thread waits for a
        # connection; further requests wait for a thread, on the event loop, for free.
        current_default_thread_limiter().total_tokens = lab.settings.api_threads
        try:
            yield
        finally:
            if owns_lab:  # closing joins the audit appender and disposes the pools: blocking
                await to_thread.run_sync(lab.close)

    app = FastAPI(
        title="Data collaboration lab",
        version=lab_package.__version__,
        description=DESCRIPTION,
        dependencies=[Depends(known_query_only)],
        lifespan=lifespan,
        docs_url=None,  # served by `docs.install`, from packaged assets, not a CDN
        redoc_url=None,
    )
    app.state.lab = lab
    docs.install(app)
    errors.install(app)
    # inside the request id middleware (added after it), so a 413 carries the request id
    app.add_middleware(BodyLimit, largest=lab.settings.max_json_body_bytes)

    # inside the request ids too: a queued request already has its id
    app.add_middleware(Admission, slots=lab.settings.api_threads)
    app.add_middleware(RequestIds)

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
        promotions,
        monitoring,
    ):
        document_errors(module.router)
        app.include_router(module.router)
    # the web console: HTML pages over the same services, outside the OpenAPI schema
    install_error_schema(app)
    app.mount("/console", create_console(lab))
    return app


def served_app() -> FastAPI:
    """The app of one of several `lab serve` processes (uvicorn calls it in each): its own
    lab, from the same settings. The parent process runs the workers and the scheduler."""
    from lab.settings import Settings

    lab = Lab.open(Settings())
    spool_uploads_privately(lab)
    app = create_app(lab, owns_lab=True)
    heap.settle()
    return app
