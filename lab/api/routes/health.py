"""Liveness: the one route open without a token. It says nothing about any tenant."""

from __future__ import annotations

from fastapi import APIRouter

import lab

router = APIRouter(tags=["health"])
OPEN_PATHS = frozenset({"/health"})


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": lab.__version__}
