"""Publishing an approved request: the bytes that leave are made, kept and hashed.

Two steps, because the store writes in transactions of its own. First the files are
written, encrypted, as the zone dataset `release-<id>` of the requester's tenant; then, in
one transaction, the request becomes `released` with each file's sha256, and the event
`release.publish` records those hashes. If the lab stops between the two, the request stays
`approved` (nothing can be fetched) and `publish` can run again; the dataset written by the
interrupted attempt stays in the zone until its retention ends.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from lab.auditing import Actor
from lab.context import Lab
from lab.db.base import utcnow
from lab.errors import Conflict, NotFound
from lab.releases.content import Candidate, candidate
from lab.releases.models import (
    APPROVE,
    APPROVED,
    RELEASED,
    SYSTEM_GATE,
    ReleaseRequest,
    ReleaseReview,
)
from lab.releases.schemas import ReleaseOut
from lab.releases.trail import record_step
from lab.runs.artifacts import store_files
from lab.work.models import WorkItem
from lab.zones.registry import rules_at

PUBLISHER = "system:release"
"""The actor of record of the write: the lab acting on the approvals it counted."""


def stored_name(found: Candidate) -> str:
    """The file's name inside the release dataset; the output name keeps two outputs'
    files apart even when they share a file name."""
    return f"{found.output}/{found.file_name}"


def publish(lab: Lab, release_id: str, *, request_id: str | None = None) -> ReleaseRequest:
    """Release an approved request's outputs; Conflict if it is not (or no longer) approved."""
    with lab.read() as session:
        request = session.get(ReleaseRequest, release_id)
        if request is None:
            raise NotFound(f"no release request {release_id!r}")
        if request.state != APPROVED:
            raise Conflict(f"release request {release_id} is {request.state}, not approved")
        approvers = sorted(
            session.scalars(
                sa.select(ReleaseReview.reviewer).where(
                    ReleaseReview.request_id == release_id, ReleaseReview.decision == APPROVE
                )
            )
        )
    found = [candidate(lab, name, request.findings[name]) for name in request.outputs]
    actor = Actor(PUBLISHER, request_id)
    stored = store_files(
        lab,
        actor,
        tenant=request.tenant,
        zone=request.zone,
        dataset=f"release-{release_id}",
        files={stored_name(f): f.content for f in found},
        kind="job_output",
        lineage={"release": release_id, "job": request.job_id, "outputs": list(request.outputs)},
    )
    files: dict[str, Any] = {
        f.output: {
            "file_name": f.file_name,
            "stored_as": stored_name(f),
            "content_type": f.content_type,
            "bytes": len(f.content),
            "sha256": f.sha256,
        }
        for f in found
    }
    with lab.transaction() as session:
        current = session.get(ReleaseRequest, release_id, with_for_update=True)
        if current is None or current.state != APPROVED:
            raise Conflict(f"release request {release_id} changed while it was published")
        current.state = RELEASED
        current.release_version_id = stored.id
        current.files = files
        current.released_at = utcnow()
        lab.auditor.change(
            session,
            actor,
            "release.publish",
            f"{current.zone}/releases/{release_id}",
            tenant=current.tenant,
            zone=current.zone,
            outcome="released",
            details={
                "release": release_id,
                "job": current.job_id,
                "approvers": approvers,
                "dataset_version": stored.id,
                "files": {
                    name: {"file_name": f["file_name"], "bytes": f["bytes"], "sha256": f["sha256"]}
                    for name, f in files.items()
                },
            },
        )
        session.flush()
        session.expunge(current)
    return current


def auto_release(
    lab: Lab,
    item: WorkItem,
    outputs: list[str],
    *,
    entries: Mapping[str, Mapping[str, Any]] | None = None,
) -> ReleaseOut:
    """Release outputs the gate proved aggregate, in a zone whose rules say
    `aggregates: auto`: a request made and approved by `system:gate`, published at once and
    audited like any other. `entries` are the outputs' entries when the item's result is
    not written yet (the handler settles outputs before it finishes the item)."""
    given = entries if entries is not None else item.result.get("outputs", {})
    actor = Actor(SYSTEM_GATE, item.id)
    with lab.transaction() as session:
        rules = rules_at(session, item.zone)
        if str(rules.egress.aggregates) != "auto":
            raise Conflict(f"zone {item.zone!r} releases nothing without review")
        snapshot: dict[str, Any] = {}
        for name in dict.fromkeys(outputs):
            entry = dict(given.get(name) or {})
            if entry.get("lineage") != "aggregate" or entry.get("disposition") == "kept":
                raise Conflict(f"output {name!r} was not proved aggregate: it needs review")
            snapshot[name] = entry
        request = ReleaseRequest(
            id=secrets.token_hex(8),
            tenant=item.tenant,
            zone=item.zone,
            job_id=item.id,
            outputs=list(snapshot),
            purpose="released without review: the gate proved these outputs aggregate",
            requester=SYSTEM_GATE,
            state=APPROVED,
            required_approvals=0,
            findings=snapshot,
            files={},
            created_at=utcnow(),
            decided_at=utcnow(),
        )
        session.add(request)
        session.flush()
        record_step(lab, session, actor, "release.request", request, details={"automatic": True})
    published = publish(lab, request.id, request_id=item.id)
    return ReleaseOut.of(published, [])
