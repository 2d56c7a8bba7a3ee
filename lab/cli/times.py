"""Time options of the CLI: ISO 8601, and a time without an offset is UTC (`lab.utc`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer

from lab.utc import as_utc, parse_utc

TIME_HELP = "ISO 8601, e.g. 2026-06-01T00:00; a time without an offset is taken as UTC."


def parse_time(value: str | datetime) -> datetime:
    """A command-line time as an aware UTC datetime, or a clear usage error."""
    try:
        return as_utc(value) if isinstance(value, datetime) else parse_utc(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def time_option(help: str) -> Any:
    """An optional time option; `help` says what the time means."""
    return typer.Option(None, parser=parse_time, metavar="TIME", help=f"{help} {TIME_HELP}")
