"""What the dataset front doors take and return, shared by the service, the API and the CLI.

A version is named as its caller knows it, `VersionRef` (tenant, zone, dataset, number); the
service turns that into an id only after the chokepoint allowed the action. The tables
themselves are the storage's (`lab.storage.models`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from audit import Event
from lab.storage import VersionInfo

# Which datasets a listing shows: those brought in (imports), those jobs wrote (outputs,
# logs, models, released bytes: every one names its job in its lineage), or both.
Origin = Literal["data", "jobs", "all"]


def from_origin(version: VersionInfo, origin: Origin) -> bool:
    """Whether `version` belongs in a listing of `origin`."""
    if origin == "all":
        return True
    return ("job" in version.lineage) == (origin == "jobs")


@dataclass(frozen=True)
class VersionRef:
    """One version of a tenant's dataset in a zone, by name and number."""

    tenant: str
    zone: str
    name: str
    version: int

    @property
    def resource(self) -> str:
        """What the chokepoint is asked about (in the zone, for the tenant)."""
        return f"datasets/{self.name}/versions/{self.version}"


@dataclass(frozen=True)
class Destroyed:
    """A requested destruction: the version, and its receipt (None: it was already gone)."""

    version_id: str
    receipt: Event | None


class VersionOut(BaseModel):
    id: str
    tenant: str
    zone: str
    name: str
    version: int
    state: str
    columns: list[dict[str, str]] = Field(description="name, type and classification")
    rows: int | None
    bytes: int | None
    files: int
    created_at: datetime
    destroy_at: datetime | None
    legal_hold: bool
    destroyed_at: datetime | None
    lineage: dict[str, Any]

    @classmethod
    def of(cls, v: VersionInfo) -> VersionOut:
        return cls(
            id=v.id,
            tenant=v.tenant,
            zone=v.zone,
            name=v.name,
            version=v.version,
            state=v.state,
            columns=[dict(c) for c in v.columns],
            rows=v.row_count,
            bytes=v.byte_size,
            files=len(v.files),
            created_at=v.created_at,
            destroy_at=v.destroy_at,
            legal_hold=v.legal_hold,
            destroyed_at=v.destroyed_at,
            lineage=v.lineage,
        )


class HoldBody(BaseModel):
    reason: str = Field(min_length=3, max_length=300, description="Case or matter reference.")
