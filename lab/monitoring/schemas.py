"""What the monitoring front doors return (service, API, CLI)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from lab.monitoring.models import MonitoringRun


class ReasonOut(BaseModel):
    level: str = Field(description="warning or alert")
    metric: str = Field(description="psi, auc, auc_drop or ks")
    subject: str = Field(description="The feature, or the score")
    value: float
    threshold: float
    message: str


class FeaturePsi(BaseModel):
    name: str
    psi: float


class PlotFinding(BaseModel):
    rule: str = Field(description="The gate's rule: min_cell_count, rounding, ...")
    severity: str = Field(description="fixed (suppressed, rounded), block or review")
    column: str | None
    row: int | None
    label: str | None = Field(description="The row's score bin or feature")
    message: str = Field(description="What the gate did, without a count")


class PlotGateOut(BaseModel):
    """What the disclosure gate did to one plot's figures before it was drawn."""

    plot: str
    drawn: bool
    withheld: str | None = Field(description="Why the plot was not drawn; null if drawn")
    findings: list[PlotFinding]


class RunOut(BaseModel):
    """A monitoring run: what it read, what it found, and how it ended. Aggregates only."""

    id: str
    tenant: str
    name: str
    deployment_version: int = Field(description="The deployment (of the name) it monitored.")
    trigger: str = Field(description="schedule or request")
    requested_by: str
    state: str = Field(description="queued, running, succeeded or failed")
    status: str | None = Field(description="ok, warning or alert; null unless succeeded")
    reasons: list[ReasonOut]
    features: list[FeaturePsi] = Field(description="PSI of each feature, production vs training")
    score_psi: float | None
    auc: float | None = Field(description="Null until production has outcomes of both kinds")
    ks: float | None
    records: int | None
    labelled: int | None = Field(description="Production records with a known outcome")
    dataset: str | None = Field(description="The production dataset read, tenant/name")
    dataset_version: int | None
    plots: list[str] = Field(description="The plots drawn")
    plot_gate: list[PlotGateOut] = Field(
        description="Per plot, the cells the disclosure gate suppressed or rounded, or why "
        "the plot was withheld"
    )
    message: str = Field(description="Why a failed run failed")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, row: MonitoringRun) -> RunOut:
        dataset = f"{row.dataset_tenant}/{row.dataset_name}" if row.dataset_name else None
        return cls(
            id=row.id,
            tenant=row.tenant,
            name=row.name,
            deployment_version=row.deployment_version,
            trigger=row.trigger,
            requested_by=row.requested_by,
            state=row.state,
            status=row.status,
            reasons=[ReasonOut(**r) for r in row.reasons or []],
            features=[FeaturePsi(**f) for f in row.features or []],
            score_psi=row.score_psi,
            auc=row.auc,
            ks=row.ks,
            records=row.records,
            labelled=row.labelled,
            dataset=dataset,
            dataset_version=row.dataset_version,
            plots=list(row.plots or []),
            plot_gate=[PlotGateOut(**p) for p in row.plot_gate or []],
            message=row.message,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )


class StatusOut(BaseModel):
    """Where a deployed model stands: the status of its active deployment's newest
    successful run, and its newest run whatever its end."""

    tenant: str
    name: str
    deployment_version: int | None = Field(description="The active deployment; null if none")
    status: str | None = Field(description="ok, warning or alert; null before a run succeeded")
    reasons: list[ReasonOut]
    interval_hours: int = Field(description="How often the zone has it monitored")
    last_run: RunOut | None
    last_success: RunOut | None
