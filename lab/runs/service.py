"""Jobs, one front door per action: submit, list, status, follow, cancel, read the log.

The API routes and the CLI commands are thin adapters over these functions, so the two
cannot drift apart again. They once had: the CLI's cancel authorized the zone the user
named and then cancelled by id alone, so a sandbox engineer could cancel a production job.

Every function here does the same three things in the same order:

1. passes the chokepoint as the acting principal, for the resource the action is about
   (`<zone>/jobs` to submit or list, `<zone>/jobs/<id>` for one job);
2. only then looks the job up, by id, tenant, kind *and* zone: a job of another tenant,
   another zone or another kind is the same `NotFound` as one that does not exist, so an
   allowance in one zone never reaches an item of another;
3. does the work and, for a change, writes its audit event in the same transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.runs.logs import read_job_log
from lab.runs.submit import queue_job
from lab.work.models import ENDED, WorkItem
from lab.work.queue import cancel, get_item, list_items

KIND = "job"
POLL_SECONDS = 0.3


def _job(lab: Lab, job_id: str, *, tenant: str, zone: str) -> WorkItem:
    with lab.read() as session:
        return get_item(session, job_id, tenant=tenant, kind=KIND, zone=zone)


def submit_job(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    *,
    tenant: str,
    zone: str,
    spec_text: str,
    bundle: bytes | None = None,
) -> WorkItem:
    """Queue a job in `zone` for `tenant`; its spec, inputs and bundle are checked first."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.SUBMIT,
        "jobs",
        tenant=tenant,
        zone=zone,
        request_id=actor.request_id,
    )
    return queue_job(
        lab, principal, actor, tenant=tenant, zone=zone, spec_text=spec_text, bundle=bundle
    )


def list_jobs(
    lab: Lab, principal: Principal, *, tenant: str, zone: str, request_id: str | None = None
) -> list[WorkItem]:
    """The tenant's jobs in `zone`, newest first; never another zone's."""
    lab.chokepoint.authorize_named(
        principal, AccessAction.READ, "jobs", tenant=tenant, zone=zone, request_id=request_id
    )
    with lab.read() as session:
        return list_items(session, tenant=tenant, kind=KIND, zone=zone)


def job_status(
    lab: Lab,
    principal: Principal,
    job_id: str,
    *,
    tenant: str,
    zone: str,
    request_id: str | None = None,
) -> WorkItem:
    """One job: its state, status and outputs with the gate's findings."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.READ,
        f"jobs/{job_id}",
        tenant=tenant,
        zone=zone,
        request_id=request_id,
    )
    return _job(lab, job_id, tenant=tenant, zone=zone)


def follow_job(
    lab: Lab,
    principal: Principal,
    job_id: str,
    *,
    tenant: str,
    zone: str,
    on_status: Callable[[WorkItem], None],
    request_id: str | None = None,
) -> WorkItem:
    """Wait for a job to end, calling `on_status` at each change of status.

    Authorized once, like one status read: polling is how the answer is waited for, not a
    new question, and an allow event every 0.3 s would bury the audit trail."""
    item = job_status(lab, principal, job_id, tenant=tenant, zone=zone, request_id=request_id)
    seen = ""
    while True:
        if item.status != seen:
            seen = item.status
            on_status(item)
        if item.state in ENDED:
            return item
        time.sleep(POLL_SECONDS)
        item = _job(lab, job_id, tenant=tenant, zone=zone)


def cancel_job(
    lab: Lab, principal: Principal, actor: Actor, job_id: str, *, tenant: str, zone: str
) -> WorkItem:
    """Cancel a queued job at once, or ask a running one to stop.

    Its own verb, `cancel`: stopping someone's work is not the same right as sending code
    to the data, and a policy may grant one without the other."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.CANCEL,
        f"jobs/{job_id}",
        tenant=tenant,
        zone=zone,
        request_id=actor.request_id,
    )
    with lab.transaction() as session:
        item = cancel(session, job_id, tenant=tenant, kind=KIND, zone=zone)
        lab.auditor.change(
            session,
            actor,
            AuditAction.JOB_CANCEL,
            f"{zone}/jobs/{job_id}",
            tenant=tenant,
            zone=zone,
            details={"job": job_id, "state": item.state},
        )
    return item


def job_log(
    lab: Lab,
    principal: Principal,
    job_id: str,
    *,
    tenant: str,
    zone: str,
    request_id: str | None = None,
    full: bool = False,
) -> str:
    """The job's log (capped, secrets and the inputs' values redacted); '' when it wrote none.

    With `full`, the log as the job wrote it, for reviewers: `read_job_log` asks the
    chokepoint for `review` too. In production the log is kept with the data owner, and
    `read_job_log` asks the chokepoint again for the owner's tenant."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.READ,
        f"jobs/{job_id}/logs",
        tenant=tenant,
        zone=zone,
        request_id=request_id,
    )
    item = _job(lab, job_id, tenant=tenant, zone=zone)
    return read_job_log(lab, principal, item, request_id, full=full)
