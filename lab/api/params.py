"""The shapes of path and query values, checked at the API's edge before anything uses them.

Every route names its path and query values with these types, so a control character, a
10,000-character segment or a 24-digit cursor is a 422 that says which value is wrong,
before the value reaches the chokepoint, the audit trail or the database. Each shape is
as wide as the rule of the thing it names (a tenant slug as `check_tenant_slug` allows it,
a dataset name as storage allows it) so that no real thing becomes unreachable.

`PATH_TYPES` names the type of every path parameter the API uses, by its name: the
authorization dependencies (`lab.api.deps`) validate the values they format into a policy
request with it, since FastAPI runs dependencies before it checks the route's own values.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator, StringConstraints

from lab.catalogue.actions import AccessAction, AuditAction
from lab.releases.models import STATES
from lab.utc import as_utc, parse_utc

MAX_INT64 = 2**63 - 1
"""Sequence numbers, versions and cursors are signed 64-bit integers in every backend."""

TENANT_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"
USER_PATTERN = r"^[a-z][a-z0-9._-]{1,63}$"
DATASET_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$"
ID_PATTERN = r"^[0-9a-f]{1,64}$"
OUTPUT_PATTERN = r"^[a-z_][a-z0-9_]{0,62}$"
"""The shapes, as patterns, for the console's URLs and forms too (`lab.console.values`)."""

TenantText = Annotated[str, StringConstraints(pattern=TENANT_PATTERN)]
ZoneText = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
UserText = Annotated[str, StringConstraints(pattern=USER_PATTERN)]
SubjectText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$")]
DatasetText = Annotated[str, StringConstraints(pattern=DATASET_PATTERN)]
IdText = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
OutputText = Annotated[str, StringConstraints(pattern=OUTPUT_PATTERN)]

Tenant = Annotated[TenantText, Path(description="A tenant's slug (2-40 of a-z, 0-9, '-').")]
Zone = Annotated[ZoneText, Path(description="A zone's name.")]
UserName = Annotated[UserText, Path(description="A user's login name.")]
DatasetName = Annotated[DatasetText, Path(description="A dataset's name.")]
Identifier = Annotated[IdText, Path(description="An id the lab issued (hexadecimal).")]
OutputName = Annotated[OutputText, Path(description="An output's name in the job spec.")]
PlotName = Annotated[OutputText, Path(description="A plot's name: the job output holding it.")]
VersionNumber = Annotated[int, Path(ge=1, le=MAX_INT64, description="A version number.")]

PATH_TYPES: dict[str, Any] = {
    "tenant": Tenant,
    "zone": Zone,
    "user": UserName,
    "name": DatasetName,
    "version": VersionNumber,
    "job_id": Identifier,
    "import_id": Identifier,
    "release_id": Identifier,
    "promotion_id": Identifier,
    "run_id": Identifier,
    "token_id": Identifier,
    "output": OutputName,
    "plot": PlotName,
}

TenantFilter = Annotated[
    TenantText | None, Query(description="Only this tenant's items (a tenant's members: required).")
]
PolicyTenantFilter = Annotated[
    Annotated[str, StringConstraints(pattern=r"^(\*|[a-z0-9][a-z0-9_-]{0,63})$")] | None,
    Query(description="Only rules of this tenant (or `*`)."),
]
ActorFilter = Annotated[SubjectText | None, Query(description="Only this actor's events.")]
SubjectFilter = Annotated[SubjectText | None, Query(description="Only this subject's roles.")]
Cursor = Annotated[
    int, Query(ge=0, le=MAX_INT64, description="Return items after this sequence number.")
]


def page_size(largest: int) -> Any:
    """How many items a page holds: 1 to `largest`, 100 when not given."""
    return Query(100, ge=1, le=largest, description=f"How many items (1-{largest}).")


def _audit_actions() -> list[str]:
    """Every event name of the catalogue, and every dotted prefix of one as `prefix.*`."""
    exact = {a.value for a in AuditAction if a is not AuditAction.ACCESS_PREFIX}
    exact |= {AuditAction.access(verb) for verb in AccessAction}
    prefixes = set()
    for name in exact:
        parts = name.split(".")
        prefixes |= {".".join(parts[:n]) + ".*" for n in range(1, len(parts))}
    return sorted(exact | prefixes)


AuditActionQuery = StrEnum(  # type: ignore[misc]
    "AuditActionQuery", {value: value for value in _audit_actions()}
)
"""An event name from the catalogue (`token.issue`), or a prefix of one (`token.*`)."""
ActionFilter = Annotated[
    AuditActionQuery | None,
    Query(description="An event name (`token.issue`) or a prefix of one (`token.*`)."),
]


ReleaseState = StrEnum("ReleaseState", {s: s for s in STATES})  # type: ignore[misc]
"""A release request's state, as the release store knows them."""
StateFilter = Annotated[
    ReleaseState | None, Query(description="Only requests in this state; all if none.")
]


def _utc_time(value: object) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str):
        return parse_utc(value)
    raise ValueError("a time is an ISO 8601 text such as 2026-06-01T00:00")


UtcTime = Annotated[datetime, BeforeValidator(_utc_time)]
TIME_HELP = "ISO 8601 (`2026-06-01T00:00`); a time without an offset is taken as UTC."
SinceFilter = Annotated[UtcTime | None, Query(description=f"From this time. {TIME_HELP}")]
UntilFilter = Annotated[UtcTime | None, Query(description=f"Until this time. {TIME_HELP}")]
AtTime = Annotated[
    UtcTime | None, Query(description=f"The rules that held at this time. {TIME_HELP}")
]
