"""When an item must be destroyed: its zone's retention rule, or earlier if asked."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from lab.errors import InvalidInput
from lab.zones.rules import ZoneRules

Kind = Literal["dataset", "job_output", "model", "workspace"]


def retention_days(rules: ZoneRules, kind: Kind) -> int:
    return {
        "dataset": rules.retention.dataset_days,
        "job_output": rules.retention.job_output_days,
        "model": rules.retention.model_days,
        "workspace": rules.retention.workspace_days,
    }[kind]


def destroy_at_for(
    rules: ZoneRules, kind: Kind, *, now: datetime, requested: datetime | None = None
) -> datetime:
    """The destroy-at time of a new item: the zone's limit, or an earlier requested time.

    A requested time later than the zone allows is refused, not silently shortened.
    """
    latest = now + timedelta(days=retention_days(rules, kind))
    if requested is None:
        return latest
    if requested.tzinfo is None:
        raise InvalidInput("destroy_at must carry a time zone (UTC recommended)")
    if requested > latest:
        raise InvalidInput(
            f"destroy_at {requested.isoformat()} is later than zone {rules.name!r} allows "
            f"for a {kind} ({retention_days(rules, kind)} days: {latest.isoformat()})",
            field="destroy_at",
        )
    if requested <= now:
        raise InvalidInput("destroy_at must be in the future", field="destroy_at")
    return requested
