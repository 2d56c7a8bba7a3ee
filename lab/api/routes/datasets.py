"""Datasets of a tenant in a zone: versions with schema, classification, size, retention
and hold; destroy now; legal holds (compliance); destruction receipts.

Thin adapters over `lab.datasets.service` and `lab.retention.receipts`, which authorize,
act and audit for the API and the CLI alike."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query
from pydantic import BaseModel

from lab.api.deps import Caller, get_lab, service_authorizes
from lab.api.one_hop import api_router
from lab.api.params import (
    Cursor,
    DatasetName,
    SinceFilter,
    Tenant,
    TenantFilter,
    UntilFilter,
    VersionNumber,
    Zone,
    page_size,
)
from lab.context import Lab
from lab.datasets.schemas import HoldBody, Origin, VersionOut, VersionRef
from lab.datasets.service import (
    destroy_dataset_version,
    list_datasets,
    place_hold,
    release_hold,
)
from lab.retention.receipts import list_receipts

router = api_router(prefix="/v1", tags=["datasets"])
BASE = "/tenants/{tenant}/zones/{zone}/datasets"
VERSION = BASE + "/{name}/versions/{version}"


class DestroyedOut(BaseModel):
    version_id: str
    already_destroyed: bool = False
    receipt: dict[str, Any] | None = None


class ReceiptPage(BaseModel):
    receipts: list[dict[str, Any]]
    next_after: int | None


def version_ref(
    tenant: Tenant, zone: Zone, name: DatasetName, version: VersionNumber
) -> VersionRef:
    """The version the path names."""
    return VersionRef(tenant, zone, name, version)


@router.get(BASE, response_model=list[VersionOut])
def datasets_list(
    tenant: Tenant,
    zone: Zone,
    include_destroyed: bool = False,
    origin: Origin = Query(
        "all",
        description="data: imported datasets; jobs: what jobs wrote (job-<id>-<output>, "
        "release-<id>); all: both.",
    ),
    caller: Caller = service_authorizes("read", "datasets", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[VersionOut]:
    found = list_datasets(
        lab,
        caller.principal,
        tenant=tenant,
        zone=zone,
        include_destroyed=include_destroyed,
        origin=origin,
        request_id=caller.request_id,
    )
    return [VersionOut.of(v) for v in found]


@router.get(BASE + "/{name}", response_model=list[VersionOut])
def dataset_versions(
    tenant: Tenant,
    zone: Zone,
    name: DatasetName,
    include_destroyed: bool = False,
    caller: Caller = service_authorizes("read", "datasets/{name}", zone="{zone}", tenant="path"),
    lab: Lab = Depends(get_lab),
) -> list[VersionOut]:
    found = list_datasets(
        lab,
        caller.principal,
        tenant=tenant,
        zone=zone,
        name=name,
        include_destroyed=include_destroyed,
        request_id=caller.request_id,
    )
    return [VersionOut.of(v) for v in found]


@router.delete(VERSION, status_code=200, response_model=DestroyedOut)
def version_destroy(
    reason: str = Query(min_length=3, max_length=300, description="Why it is destroyed now."),
    ref: VersionRef = Depends(version_ref),
    caller: Caller = service_authorizes(
        "destroy", "datasets/{name}/versions/{version}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """Destroy a version now: files removed, key destroyed, receipt written."""
    done = destroy_dataset_version(lab, caller.principal, caller.as_actor(), ref, reason=reason)
    if done.receipt is None:
        return {"version_id": done.version_id, "already_destroyed": True}
    return {"version_id": done.version_id, "receipt": done.receipt.to_dict()}


@router.put(VERSION + "/hold", response_model=VersionOut)
def hold_place(
    body: HoldBody,
    ref: VersionRef = Depends(version_ref),
    caller: Caller = service_authorizes(
        "hold", "datasets/{name}/versions/{version}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> VersionOut:
    """Place a legal hold: the version is not destroyed while it holds."""
    info = place_hold(lab, caller.principal, caller.as_actor(), ref, reason=body.reason)
    return VersionOut.of(info)


@router.delete(VERSION + "/hold", response_model=VersionOut)
def hold_release(
    body: HoldBody,
    ref: VersionRef = Depends(version_ref),
    caller: Caller = service_authorizes(
        "hold", "datasets/{name}/versions/{version}", zone="{zone}", tenant="path"
    ),
    lab: Lab = Depends(get_lab),
) -> VersionOut:
    """Release a legal hold; a version past its destroy-at goes at the next run."""
    info = release_hold(lab, caller.principal, caller.as_actor(), ref, reason=body.reason)
    return VersionOut.of(info)


@router.get("/receipts", response_model=ReceiptPage)
def receipts(
    tenant: TenantFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    after: Cursor = 0,
    limit: int = page_size(1000),
    caller: Caller = service_authorizes("read", "audit/receipts", tenant="query"),
    lab: Lab = Depends(get_lab),
) -> dict[str, Any]:
    """Destruction receipts (and skipped or failed destructions), oldest first."""
    found = list_receipts(
        lab,
        caller.principal,
        tenant=tenant,
        since=since,
        until=until,
        after=after,
        limit=limit,
        request_id=caller.request_id,
    )
    return {
        "receipts": [e.to_dict() for e in found],
        "next_after": found[-1].seq if len(found) == limit else None,
    }
