"""Jobs: submit code to the data, follow it, read its log and its checked outputs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, File, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lab.api.deps import Access, db, get_lab, require
from lab.context import Lab
from lab.errors import NotFound
from lab.runs.logs import read_job_log
from lab.runs.submit import submit_job
from lab.work.models import WorkItem
from lab.work.queue import cancel, get_item, list_items

router = APIRouter(prefix="/v1/tenants/{tenant}/zones/{zone}/jobs", tags=["jobs"])
MAX_SPEC_BYTES = 256 * 1024


class JobOut(BaseModel):
    id: str
    name: str
    tenant: str
    zone: str
    submitter: str
    engine: str
    state: str
    status: str
    message: str
    progress: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    outputs: dict[str, Any]
    confinement: str = ""  # the isolation and limits the job ran under

    @classmethod
    def of(cls, item: WorkItem) -> JobOut:
        return cls(
            id=item.id,
            name=item.name,
            tenant=item.tenant,
            zone=item.zone,
            submitter=item.submitter,
            engine=str(item.spec.get("job", {}).get("engine", "")),
            state=item.state,
            status=item.status,
            message=item.message,
            progress=item.progress,
            created_at=item.created_at,
            started_at=item.started_at,
            finished_at=item.finished_at,
            outputs=dict(item.result.get("outputs", {})),
            confinement=str(item.result.get("confinement", "")),
        )


def _job(session: Session, tenant: str, zone: str, job_id: str) -> WorkItem:
    return get_item(session, job_id, tenant=tenant, kind="job", zone=zone)


@router.post("", response_model=JobOut, status_code=202)
async def jobs_submit(
    tenant: str,
    zone: str,
    spec: UploadFile = File(description="The job spec (YAML or JSON)."),
    bundle: UploadFile | None = File(None, description="Code bundle (zip) for python/spark."),
    access: Access = require("submit", "jobs", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> JobOut:
    text = (await spec.read(MAX_SPEC_BYTES + 1)).decode("utf-8", errors="replace")
    code = await bundle.read() if bundle is not None else None
    item = submit_job(
        lab,
        access.principal,
        access.as_actor(),
        tenant=tenant,
        zone=zone,
        spec_text=text,
        bundle=code,
    )
    return JobOut.of(item)


@router.get("", response_model=list[JobOut])
def jobs_list(
    tenant: str,
    zone: str,
    access: Access = require("read", "jobs", zone="{zone}", tenant="path"),
    session: Session = Depends(db),
) -> list[JobOut]:
    items = list_items(session, tenant=tenant, kind="job")
    return [JobOut.of(i) for i in items if i.zone == zone]


@router.get("/{job_id}", response_model=JobOut)
def jobs_status(
    tenant: str,
    zone: str,
    job_id: str,
    access: Access = require("read", "jobs/{job_id}", zone="{zone}", tenant="path"),
    session: Session = Depends(db),
) -> JobOut:
    return JobOut.of(_job(session, tenant, zone, job_id))


@router.post("/{job_id}/cancel", response_model=JobOut)
def jobs_cancel(
    tenant: str,
    zone: str,
    job_id: str,
    access: Access = require("submit", "jobs/{job_id}", zone="{zone}", tenant="path"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> JobOut:
    _job(session, tenant, zone, job_id)
    item = cancel(session, job_id, tenant=tenant)
    lab.auditor.change(
        session,
        access.as_actor(),
        "job.cancel",
        f"{zone}/jobs/{job_id}",
        tenant=tenant,
        zone=zone,
        details={"job": job_id},
    )
    return JobOut.of(item)


@router.get("/{job_id}/logs")
def jobs_logs(
    tenant: str,
    zone: str,
    job_id: str,
    access: Access = require("read", "jobs/{job_id}/logs", zone="{zone}", tenant="path"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """The job's log (capped, secrets redacted). Production logs stay with the data owner."""
    item = _job(session, tenant, zone, job_id)
    return {"job": job_id, "log": read_job_log(lab, access.principal, item, access.request_id)}


@router.get("/{job_id}/outputs/{output}")
def jobs_output(
    tenant: str,
    zone: str,
    job_id: str,
    output: str,
    access: Access = require("read", "jobs/{job_id}/outputs", zone="{zone}", tenant="path"),
    session: Session = Depends(db),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """A released output's rows (after suppression and rounding), with the gate's findings.

    Outputs not released (kept in the zone, or waiting for review) are described, not shown:
    their disposition, the reason for it and the gate's findings."""
    item = _job(session, tenant, zone, job_id)
    entry = item.result.get("outputs", {}).get(output)
    if entry is None:
        raise NotFound(f"job {job_id!r} has no output {output!r}")
    if not entry.get("released"):
        return {
            "output": output,
            "released": False,
            "disposition": entry.get("disposition", "kept"),
            "reason": entry.get("reason", ""),
            "findings": entry.get("findings", []),
        }
    table = lab.store.read_table(session, entry["version_id"])
    return {
        "output": output,
        "released": True,
        "disposition": "released",
        "findings": entry.get("findings", []),
        "columns": table.column_names,
        "rows": table.to_pylist(),
    }
