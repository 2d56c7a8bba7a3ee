"""Liveness: the one route open without a token. It says nothing about any tenant."""

from __future__ import annotations

from pydantic import BaseModel

import lab
from lab.api.one_hop import api_router

router = api_router(tags=["health"])
OPEN_PATHS = frozenset({"/health"})


class HealthOut(BaseModel):
    status: str
    version: str


@router.get("/health", response_model=HealthOut)
def health() -> dict[str, str]:
    return {"status": "ok", "version": lab.__version__}
