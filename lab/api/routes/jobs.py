"""Jobs: submit code to the data, follow it, read its log and its released outputs."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from fastapi import Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from jobs.engines.bundle import MAX_BUNDLE_ZIP_BYTES
from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import Identifier, OutputName, Tenant, Zone
from lab.context import Lab
from lab.releases.content import CONTENT_TYPES, FALLBACK_TYPE, csv_rows
from lab.releases.service import read_released_output
from lab.runs.service import cancel_job, job_log, job_status, list_jobs, submit_job
from lab.work.models import WorkItem
from lab.work.queue import get_item

router = api_router(prefix="/v1/tenants/{tenant}/zones/{zone}/jobs", tags=["jobs"])
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
    model: dict[str, Any] | None = None  # score jobs: the deployment that scored (lineage)

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
            model=item.result.get("model"),
        )


class TableRows(BaseModel):
    """A released table as JSON rows."""

    output: str
    release: str
    sha256: str
    columns: list[str]
    rows: list[dict[str, Any]]


class JobLog(BaseModel):
    job: str
    full: bool
    log: str


def _job(session: Session, tenant: str, zone: str, job_id: str) -> WorkItem:
    """For the outputs route, which reads through the release service once that lands."""
    return get_item(session, job_id, tenant=tenant, kind="job", zone=zone)


@router.post("", response_model=JobOut, status_code=202)
async def jobs_submit(
    tenant: Tenant,
    zone: Zone,
    spec: UploadFile = File(description="The job spec (YAML or JSON)."),
    # not `UploadFile | None`: a form field cannot be null, it is absent (a SQL job)
    bundle: UploadFile = File(None, description="Code bundle (zip) for python/spark."),
    caller: Caller = service_authorizes("submit", "jobs", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> JobOut:
    text = (await spec.read(MAX_SPEC_BYTES + 1)).decode("utf-8", errors="replace")
    # One byte over the cap is enough for the service to refuse it; never read more.
    code = await bundle.read(MAX_BUNDLE_ZIP_BYTES + 1) if bundle is not None else None
    # the service touches the metastore (and copies the upload): off the event loop
    item = await run_in_threadpool(
        submit_job,
        lab,
        caller.principal,
        caller.as_actor(),
        tenant=tenant,
        zone=zone,
        spec_text=text,
        bundle=code,
    )
    return JobOut.of(item)


@router.get("", response_model=list[JobOut])
def jobs_list(
    tenant: Tenant,
    zone: Zone,
    caller: Caller = service_authorizes("read", "jobs", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[JobOut]:
    items = list_jobs(lab, caller.principal, tenant=tenant, zone=zone, request_id=caller.request_id)
    return [JobOut.of(i) for i in items]


@router.get("/{job_id}", response_model=JobOut)
def jobs_status(
    tenant: Tenant,
    zone: Zone,
    job_id: Identifier,
    caller: Caller = service_authorizes("read", "jobs/{job_id}", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> JobOut:
    item = job_status(
        lab, caller.principal, job_id, tenant=tenant, zone=zone, request_id=caller.request_id
    )
    return JobOut.of(item)


@router.post("/{job_id}/cancel", response_model=JobOut)
def jobs_cancel(
    tenant: Tenant,
    zone: Zone,
    job_id: Identifier,
    caller: Caller = service_authorizes("cancel", "jobs/{job_id}", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> JobOut:
    item = cancel_job(lab, caller.principal, caller.as_actor(), job_id, tenant=tenant, zone=zone)
    return JobOut.of(item)


@router.get("/{job_id}/logs", response_model=JobLog)
def jobs_logs(
    tenant: Tenant,
    zone: Zone,
    job_id: Identifier,
    full: bool = Query(
        False,
        description="The log as the job wrote it, for reviewers (action `review`); "
        "without it, the log with the inputs' values and personal data redacted.",
    ),
    caller: Caller = service_authorizes("read", "jobs/{job_id}/logs", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """The job's log (capped, secrets redacted; the inputs' values and personal data
    redacted unless a reviewer asks for the full log). Production logs stay with the data
    owner."""
    text = job_log(
        lab,
        caller.principal,
        job_id,
        tenant=tenant,
        zone=zone,
        request_id=caller.request_id,
        full=full,
    )
    return {"job": job_id, "full": full, "log": text}


@router.get(
    "/{job_id}/outputs/{output}",
    response_model=None,
    responses={
        200: {
            "description": "The released output: a table as JSON rows (or, with "
            "`?format=csv`, the exact CSV that was released); a file as its bytes, with its "
            "content type. `X-Content-SHA256` is the hash recorded at release.",
            "model": TableRows,
            # a file output's bytes, with the type its name gives (`CONTENT_TYPES`)
            "content": {kind: {} for kind in sorted({*CONTENT_TYPES.values(), FALLBACK_TYPE})}
            | {"application/json": {}},
        },
        409: {
            "description": "The output was not released: it leaves the zone only through a "
            "release request and its review."
        },
    },
)
def jobs_output(
    tenant: Tenant,
    zone: Zone,
    job_id: Identifier,
    output: OutputName,
    format: Literal["json", "csv"] = Query(
        "json", description="For tables: json (rows) or csv (the released bytes)."
    ),
    access: Caller = service_authorizes(
        "read", "jobs/{job_id}/outputs", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> Response:
    """A released output, exactly as it left the zone (through `read_released_output`)."""
    released = read_released_output(
        lab,
        access.principal,
        tenant=tenant,
        zone=zone,
        job_id=job_id,
        output=output,
        request_id=access.request_id,
    )
    headers = {
        "X-Content-SHA256": released.sha256,
        "X-Release-Id": released.release_id,
    }
    if released.table and format == "json":
        columns, rows = csv_rows(released.content)
        body = {
            "output": output,
            "release": released.release_id,
            "sha256": released.sha256,
            "columns": columns,
            "rows": rows,
        }
        return JSONResponse(body, headers=headers)
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", released.file_name)
    headers["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return Response(released.content, media_type=released.content_type, headers=headers)
