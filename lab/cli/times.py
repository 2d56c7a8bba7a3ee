"""Time options of the CLI: ISO 8601, and a time without an offset is UTC (`lab.utc`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer

from lab.utc import as_utc

TIME_HELP = "ISO 8601, e.g. 2026-06-01T00:00; a time without an offset is taken as UTC."


def parse_time(value: str | datetime) -> datetime:
    """A command-line time as an aware UTC datetime, or a clear usage error."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.strip())
        return as_utc(moment)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a time ({exc}): use ISO 8601, e.g. 2026-06-01T00:00 (UTC) "
            "or 2026-06-01T08:00+08:00"
        ) from None


def time_option(help: str) -> Any:
    """An optional time option; `help` says what the time means."""
    return typer.Option(None, parser=parse_time, metavar="TIME", help=f"{help} {TIME_HELP}")
