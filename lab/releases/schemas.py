"""What the airlock returns and accepts, shared by the service, the API and the CLI.

The service builds these views itself, so the API and the CLI show a reviewer the same
things: the outputs as the gate left them, the findings with their reasons, the job's code,
its inputs and lineage, and the reviews so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from lab.releases.models import ReleaseRequest, ReleaseReview

Decision = Literal["approve", "reject", "return"]


class ReleaseIn(BaseModel):
    job_id: str = Field(max_length=64, description="A finished job of your tenant in this zone.")
    outputs: list[Annotated[str, StringConstraints(max_length=63)]] = Field(
        min_length=1,
        max_length=100,
        description="Names of outputs the gate sent to review (disposition review).",
    )
    purpose: str = Field(
        max_length=2000, description="Why these outputs must leave the zone, for the reviewers."
    )
    resubmits: str | None = Field(
        default=None,
        max_length=64,
        description="The id of your returned request this one answers, if any.",
    )


class ReviewIn(BaseModel):
    decision: Decision = Field(
        description="approve; reject (final); return (the author may file a new request)."
    )
    comment: str = Field(
        max_length=2000, description="Required: what the reviewer checked and concluded."
    )


class ReviewOut(BaseModel):
    reviewer: str
    decision: str
    comment: str
    created_at: datetime

    @classmethod
    def of(cls, review: ReleaseReview) -> ReviewOut:
        return cls(
            reviewer=review.reviewer,
            decision=review.decision,
            comment=review.comment,
            created_at=review.created_at,
        )


class ReleaseOut(BaseModel):
    """A request as it stands, with its reviews; `files` says what left once released."""

    id: str
    tenant: str
    zone: str
    job_id: str
    outputs: list[str]
    purpose: str
    requester: str
    state: str
    required_approvals: int
    approvals: int
    resubmits: str | None
    created_at: datetime
    decided_at: datetime | None
    released_at: datetime | None
    files: dict[str, Any]
    reviews: list[ReviewOut]

    @classmethod
    def of(cls, request: ReleaseRequest, reviews: list[ReleaseReview]) -> ReleaseOut:
        return cls(
            id=request.id,
            tenant=request.tenant,
            zone=request.zone,
            job_id=request.job_id,
            outputs=list(request.outputs),
            purpose=request.purpose,
            requester=request.requester,
            state=request.state,
            required_approvals=request.required_approvals,
            approvals=sum(1 for r in reviews if r.decision == "approve"),
            resubmits=request.resubmits,
            created_at=request.created_at,
            decided_at=request.decided_at,
            released_at=request.released_at,
            files=dict(request.files or {}),
            reviews=[ReviewOut.of(r) for r in reviews],
        )


class JobFacts(BaseModel):
    """What a reviewer needs of the job that made the outputs."""

    id: str
    name: str
    engine: str
    submitter: str
    code: dict[str, Any] = Field(description="The spec's code: the SQL query or entry point.")
    inputs: dict[str, Any] = Field(description="Each input alias: dataset and version read.")
    finished_at: datetime | None


class ReleaseView(ReleaseOut):
    """A request with everything a reviewer judges it by (the content comes apart)."""

    findings: dict[str, Any] = Field(
        description="Per output: disposition, reason, lineage and the gate's findings, as "
        "they stood when the request was made."
    )
    job: JobFacts


class OutputContent(BaseModel):
    """A requested output as it would leave: rows of a table, or a file's description."""

    output: str
    kind: str
    file_name: str
    content_type: str
    bytes: int
    sha256: str
    columns: list[str] | None = None
    rows: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class ReleasedOutput:
    """The exact bytes that left the zone for one output, as recorded in the audit log."""

    release_id: str
    output: str
    kind: str
    file_name: str
    content_type: str
    content: bytes
    sha256: str
    table: bool
    """True when a table left as CSV (its rows can be shown); False for a file's bytes."""
