"""Audited administrative actions, shared by the API routes and the local CLI.

Each action performs a change through the services and records the matching audit event
in the same transaction (the caller's). Authorization happens before, at the chokepoint.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who performs an action, and under which request id it is recorded."""

    name: str
    request_id: str | None = None
