"""What the model registry's front doors take and return, for the service, API and CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from lab.models.models import Model, ModelVersion
from lab.storage.models import DESTROYED


@dataclass(frozen=True)
class ModelRef:
    """One model of a tenant in a zone, by name (and a version of it, by number)."""

    tenant: str
    zone: str
    name: str
    version: int | None = None

    @property
    def resource(self) -> str:
        """What the chokepoint is asked about (in the zone, for the tenant)."""
        base = f"models/{self.name}"
        return base if self.version is None else f"{base}/versions/{self.version}"


@dataclass(frozen=True)
class Lineage:
    """Where a version came from: the job, its code, its inputs and its spec."""

    job_id: str
    code_hash: str
    inputs: dict[str, Any]
    spec: dict[str, Any]


class ArtifactOut(BaseModel):
    version_id: str = Field(description="The encrypted dataset version holding the artifact.")
    name: str
    sha256: str
    bytes: int


class LineageOut(BaseModel):
    job_id: str
    code_hash: str = Field(description="sha256 of the job's code bundle")
    inputs: dict[str, Any] = Field(description="input alias -> dataset, version and its id")
    spec: dict[str, Any]


class ModelVersionOut(BaseModel):
    id: str
    tenant: str
    zone: str
    name: str
    version: int
    status: str = Field(description="registered, retired, or destroyed with its artifact")
    flavour: str
    input_schema: list[dict[str, str]] = Field(description="name and type, in input order")
    target: str | None
    classes: list[Any] | None
    details: dict[str, Any] = Field(description="what the registry found in the artifact")
    library: dict[str, str]
    artifact: ArtifactOut
    lineage: LineageOut
    metrics: dict[str, Any]
    plots: list[str]
    registered_by: str
    created_at: datetime
    destroy_at: datetime | None

    @classmethod
    def of(cls, row: ModelVersion, artifact_state: str) -> ModelVersionOut:
        model = row.model
        return cls(
            id=row.id,
            tenant=model.tenant,
            zone=model.zone,
            name=model.name,
            version=row.version,
            status="destroyed" if artifact_state == DESTROYED else row.status,
            flavour=row.flavour,
            input_schema=list(row.input_schema),
            target=row.target,
            classes=row.classes,
            details=dict(row.details),
            library=dict(row.library),
            artifact=ArtifactOut(
                version_id=row.artifact_version_id,
                name=row.artifact_name,
                sha256=row.sha256,
                bytes=row.byte_size,
            ),
            lineage=LineageOut(
                job_id=row.job_id, code_hash=row.code_hash, inputs=row.inputs, spec=row.spec
            ),
            metrics=dict(row.metrics),
            plots=sorted(row.plots),
            registered_by=row.registered_by,
            created_at=row.created_at,
            destroy_at=row.destroy_at,
        )


class ModelOut(BaseModel):
    tenant: str
    zone: str
    name: str
    created_at: datetime
    versions: int
    latest: ModelVersionOut | None = Field(description="The newest version")

    @classmethod
    def of(cls, model: Model, versions: list[ModelVersionOut]) -> ModelOut:
        return cls(
            tenant=model.tenant,
            zone=model.zone,
            name=model.name,
            created_at=model.created_at,
            versions=len(versions),
            latest=versions[-1] if versions else None,
        )


class RetireBody(BaseModel):
    reason: str = Field(min_length=3, max_length=300, description="Why it is retired.")


class PlotOut(BaseModel):
    name: str
    available: bool = Field(description="false once the plot was destroyed with its job output")
