"""The lab's one rule for a time given without an offset: it is UTC.

The API (`lab.api.params`) and the CLI (`lab.cli.times`) both read times with
`parse_utc`, so `2026-06-01T00:00` means the same instant to both, and every time that
reaches a service or the audit trail carries its offset. Only ISO 8601 is a time: a bare
number is refused rather than read as seconds since 1970.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_utc(text: str) -> datetime:
    """An ISO 8601 date or time (`2026-06-01`, `2026-06-01T00:00`, `...+08:00`, `...Z`) as
    an aware UTC datetime. Raises ValueError with the reason otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        raise ValueError(
            f"{text[:40]!r} is not an ISO 8601 time such as 2026-06-01T00:00 (UTC) or "
            "2026-06-01T08:00+08:00"
        ) from None
    return as_utc(moment)


def as_utc(moment: datetime) -> datetime:
    """`moment` in UTC: taken as UTC without an offset, converted with one. Raises
    ValueError when the converted time falls outside the calendar (year 1 to 9999)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range once converted to UTC") from None
