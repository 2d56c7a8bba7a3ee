"""Named points in the crash-safety protocols, where tests can stop a process.

Production code calls `reached(step)` between durable steps; it does nothing unless a
test process has set `on_step` (for example to SIGKILL itself right there).
"""

from __future__ import annotations

from collections.abc import Callable

on_step: Callable[[str], None] | None = None


def reached(step: str) -> None:
    if on_step is not None:
        on_step(step)
