"""The one way a partner fetches a job's output: the bytes a release request released.

Nothing else leaves: an output no released request covers is refused with a message that
says it must go through a release request. The bytes are read from the `release-<id>`
dataset, checked against the sha256 recorded when they were released, and each fetch is
audited with that hash.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AccessAction
from lab.context import Lab
from lab.errors import Conflict, NotFound
from lab.releases.content import is_file
from lab.releases.models import OPEN, RELEASED, ReleaseRequest
from lab.releases.schemas import ReleasedOutput
from lab.runs.artifacts import read_files
from lab.work.queue import get_item


def read_released_output(
    lab: Lab,
    principal: Principal,
    *,
    tenant: str,
    zone: str,
    job_id: str,
    output: str,
    request_id: str | None = None,
) -> ReleasedOutput:
    """The released bytes of `output` (the newest release of it); NotFound for a job or
    output that is not there, Conflict for one that was not released.

    The chokepoint is asked about the job's outputs (`jobs/<id>/outputs`), the object the
    API route and `lab jobs outputs` name; which output was fetched, and its hash, are in
    the `release.fetch` event."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.READ,
        f"jobs/{job_id}/outputs",
        tenant=tenant,
        zone=zone,
        request_id=request_id,
    )
    with lab.read() as session:
        item = get_item(session, job_id, tenant=tenant, kind="job", zone=zone)
        entry = item.result.get("outputs", {}).get(output)
        if entry is None:
            raise NotFound(f"job {job_id} has no output {output!r}")
        requests = list(
            session.scalars(
                sa.select(ReleaseRequest)
                .where(
                    ReleaseRequest.tenant == tenant,
                    ReleaseRequest.zone == zone,
                    ReleaseRequest.job_id == job_id,
                    ReleaseRequest.state.in_(sorted(OPEN)),
                )
                .order_by(ReleaseRequest.created_at.desc())
            )
        )
    holding = [r for r in requests if output in r.outputs]
    released = next((r for r in holding if r.state == RELEASED), None)
    if released is None:
        raise Conflict(_not_released(output, entry, holding))
    recorded = released.files[output]
    assert released.release_version_id is not None
    content = read_files(lab, released.release_version_id)[recorded["stored_as"]]
    sha256 = hashlib.sha256(content).hexdigest()
    if sha256 != recorded["sha256"]:
        raise Conflict(f"output {output!r} does not match the hash recorded at its release")
    with lab.transaction() as session:
        lab.auditor.record(
            session,
            actor=principal.user,
            action="release.fetch",
            resource=f"{zone}/releases/{released.id}/outputs/{output}",
            tenant=tenant,
            zone=zone,
            request_id=request_id,
            details={
                "release": released.id,
                "job": job_id,
                "output": output,
                "file_name": recorded["file_name"],
                "bytes": len(content),
                "sha256": sha256,
            },
        )
    return ReleasedOutput(
        release_id=released.id,
        output=output,
        kind=str(entry.get("kind", "table")),
        file_name=recorded["file_name"],
        content_type=recorded["content_type"],
        content=content,
        sha256=sha256,
        table=not is_file(entry),
    )


def _not_released(output: str, entry: dict[str, object], holding: list[ReleaseRequest]) -> str:
    if entry.get("disposition") == "kept":
        why = entry.get("reason") or "the gate kept it in the zone"
        return f"output {output!r} stays in the zone and can never be fetched: {why}"
    if holding:
        return (
            f"output {output!r} is in release request {holding[0].id} ({holding[0].state}); "
            "it can be fetched once that request is released"
        )
    return (
        f"output {output!r} has not been released: it leaves the zone only through a "
        "release request (POST .../releases, or `lab releases request`) and its review"
    )
