"""The console application, mounted by the API at `/console`.

A sub-application rather than routes of the API: its pages answer with HTML, redirects and
their own error pages, not the API's JSON errors, and stay out of the OpenAPI schema (they
are no JSON API). Its routes authorize through the same chokepoint, from the services or
`Viewer.authorize`; tests/lab/console/test_console_rules.py walks them.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from lab.context import Lab

from . import (
    admin_pages,
    approvals_pages,
    audit_pages,
    lifecycle_pages,
    login_pages,
    models_pages,
    pages,
    policy_pages,
    promotion_pages,
    sessions,
    users_pages,
    zone_pages,
)

STATIC = Path(__file__).parent / "static"


def create_console(lab: Lab) -> FastAPI:
    console = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    console.state.lab = lab
    # loaded now, not on first use: pages and error handlers only read it, none blocks
    console.state.console_fernet = sessions.load_key(lab)
    pages.install(console)
    for module in (
        login_pages,
        audit_pages,
        approvals_pages,
        promotion_pages,
        lifecycle_pages,
        zone_pages,
        policy_pages,
        admin_pages,
        users_pages,
        models_pages,
    ):
        console.include_router(module.router)
    console.mount("/static", StaticFiles(directory=STATIC), name="static")
    return console
