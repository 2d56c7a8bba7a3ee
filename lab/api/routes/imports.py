"""Imports: upload a file (or name a synthetic source) with an import spec; poll the record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Depends, File, Form, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import DATASET_PATTERN, Identifier, Tenant, Zone
from lab.context import Lab
from lab.imports.service import MAX_SPEC_BYTES, list_imports, show_import, submit_import
from lab.work.models import WorkItem

router = api_router(prefix="/v1/tenants/{tenant}/zones/{zone}/imports", tags=["imports"])


class ImportOut(BaseModel):
    id: str
    dataset: str
    tenant: str
    zone: str
    submitter: str
    state: str
    status: str
    message: str
    rows_done: int
    created_at: datetime
    finished_at: datetime | None
    version: int | None
    report: dict[str, Any] | None

    @classmethod
    def of(cls, item: WorkItem) -> ImportOut:
        return cls(
            id=item.id,
            dataset=item.name,
            tenant=item.tenant,
            zone=item.zone,
            submitter=item.submitter,
            state=item.state,
            status=item.status,
            message=item.message,
            rows_done=item.progress,
            created_at=item.created_at,
            finished_at=item.finished_at,
            version=item.result.get("version"),
            report=item.result.get("report"),
        )


@router.post("", response_model=ImportOut, status_code=202)
async def imports_submit(
    tenant: Tenant,
    zone: Zone,
    dataset: str = Form(
        pattern=DATASET_PATTERN,
        description="Name of the dataset the import creates a version of.",
    ),
    spec: UploadFile = File(description="The import spec (YAML or JSON)."),
    # not `UploadFile | None`: a form field cannot be null, it is absent (no source file)
    data: UploadFile = File(None, description="The file to import (csv, parquet, jsonl)."),
    caller: Caller = service_authorizes("import", "datasets", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> ImportOut:
    # One byte over the cap is enough for the service to refuse it; never read more.
    text = (await spec.read(MAX_SPEC_BYTES + 1)).decode("utf-8", errors="replace")
    upload = (data.filename or "upload", data.file) if data is not None else None
    # the service touches the metastore (and copies the upload): off the event loop
    item = await run_in_threadpool(
        submit_import,
        lab,
        caller.principal,
        caller.as_actor(),
        tenant=tenant,
        zone=zone,
        name=dataset,
        spec_text=text,
        upload=upload,
    )
    return ImportOut.of(item)


@router.get("", response_model=list[ImportOut])
def imports_list(
    tenant: Tenant,
    zone: Zone,
    caller: Caller = service_authorizes("read", "imports", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[ImportOut]:
    items = list_imports(
        lab, caller.principal, tenant=tenant, zone=zone, request_id=caller.request_id
    )
    return [ImportOut.of(i) for i in items]


@router.get("/{import_id}", response_model=ImportOut)
def imports_get(
    tenant: Tenant,
    zone: Zone,
    import_id: Identifier,
    caller: Caller = service_authorizes(
        "read", "imports/{import_id}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> ImportOut:
    item = show_import(
        lab, caller.principal, import_id, tenant=tenant, zone=zone, request_id=caller.request_id
    )
    return ImportOut.of(item)
