"""Imports: upload a file (or name a synthetic source) with an import spec; poll the record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from lab.api.deps import Access, db, get_lab, require
from lab.context import Lab
from lab.errors import InvalidInput
from lab.imports.service import submit_import
from lab.work.models import WorkItem
from lab.work.queue import get_item, list_items

router = APIRouter(prefix="/v1/tenants/{tenant}/zones/{zone}/imports", tags=["imports"])
MAX_SPEC_BYTES = 256 * 1024


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
    tenant: str,
    zone: str,
    dataset: str = Form(description="Name of the dataset the import creates a version of."),
    spec: UploadFile = File(description="The import spec (YAML or JSON)."),
    data: UploadFile | None = File(None, description="The file to import (csv, parquet, jsonl)."),
    access: Access = require("import", "datasets", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> ImportOut:
    text = (await spec.read(MAX_SPEC_BYTES + 1)).decode("utf-8", errors="replace")
    if len(text) > MAX_SPEC_BYTES:
        raise InvalidInput("the import spec is larger than 256 KiB")
    upload = (data.filename or "upload", data.file) if data is not None else None
    item = submit_import(
        lab,
        access.principal,
        access.as_actor(),
        tenant=tenant,
        zone=zone,
        name=dataset,
        spec_text=text,
        upload=upload,
    )
    return ImportOut.of(item)


@router.get("", response_model=list[ImportOut])
def imports_list(
    tenant: str,
    zone: str,
    access: Access = require("read", "datasets", zone="{zone}", tenant="path"),
    session: Session = Depends(db),
) -> list[ImportOut]:
    items = list_items(session, tenant=tenant, kind="import")
    return [ImportOut.of(i) for i in items if i.zone == zone]


@router.get("/{import_id}", response_model=ImportOut)
def imports_get(
    tenant: str,
    zone: str,
    import_id: str,
    access: Access = require("read", "datasets", zone="{zone}", tenant="path"),
    session: Session = Depends(db),
) -> ImportOut:
    return ImportOut.of(get_item(session, import_id, tenant=tenant, kind="import", zone=zone))
