"""The lab's one rule for a time given without an offset: it is UTC.

The API (`lab.api.params`) and the CLI (`lab.cli.times`) both read times through
`as_utc`, so `2026-06-01T00:00` means the same instant to both, and every time that
reaches a service or the audit trail carries its offset.
"""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC: taken as UTC without an offset, converted with one. Raises
    ValueError when the converted time falls outside the calendar (year 1 to 9999)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range once converted to UTC") from None
