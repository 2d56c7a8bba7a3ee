"""The front doors of monitoring: a deployment's status, its run history, a run, its plots,
and asking for a run now.

Each passes the chokepoint first, for `production/deployments/<name>/monitoring[/...]` in
the model owner's tenant (a denial for someone with no standing there looks like a missing
deployment), then looks up. The tenant's members read status, runs and plots (aggregates
of their own deployment); an admin reads status and runs but not plots; asking for a run
is `create` on `.../monitoring/runs` (the tenant's owner, by the seed policy).

A run asked for is not done here: it is queued as a work item of kind `monitoring` and a
worker does it (`lab.monitoring.work`), as imports and jobs are, because a run reads the
training and production data decrypted, which the API process never does, and takes as
long as the data are large. The work queue gives it a lease, a heartbeat and an audited
end; the scheduler's round would only pick it up at its next tick.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.db.base import utcnow
from lab.errors import Conflict, NotFound
from lab.monitoring.models import FAILED, QUEUED, REQUEST, RUNNING, SUCCEEDED, MonitoringRun
from lab.monitoring.runner import new_run
from lab.monitoring.schemas import RunOut, StatusOut
from lab.promotions.models import ACTIVE, PRODUCTION, Deployment
from lab.runs.artifacts import read_files
from lab.storage.models import READY, DatasetVersion
from lab.work.models import ENDED, WorkItem
from lab.work.queue import new_item_id, submit
from lab.zones.registry import rules_at

KIND = "monitoring"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_RUNS = 500


def _authorize(
    lab: Lab, principal: Principal, action: str, tenant: str, resource: str, rid: str | None
) -> None:
    lab.chokepoint.authorize_named(
        principal, action, resource, tenant=tenant, zone=PRODUCTION, request_id=rid
    )


def _deployments(session: Session, tenant: str, name: str) -> list[Deployment]:
    rows = list(
        session.scalars(
            sa.select(Deployment)
            .where(
                Deployment.tenant == tenant,
                Deployment.zone == PRODUCTION,
                Deployment.name == name,
            )
            .order_by(Deployment.version.desc())
        )
    )
    if not rows:
        raise NotFound(f"no deployment of model {name!r}")
    return rows


def _runs(session: Session, tenant: str, name: str, limit: int = MAX_RUNS) -> list[MonitoringRun]:
    return list(
        session.scalars(
            sa.select(MonitoringRun)
            .where(MonitoringRun.tenant == tenant, MonitoringRun.name == name)
            .order_by(MonitoringRun.created_at.desc(), MonitoringRun.id)
            .limit(limit)
        )
    )


def status(
    lab: Lab, principal: Principal, *, tenant: str, name: str, request_id: str | None = None
) -> StatusOut:
    """The active deployment's status (its newest successful run's) and newest run."""
    _authorize(lab, principal, AccessAction.READ, tenant, f"deployments/{name}/monitoring",
               request_id)  # fmt: skip
    with lab.read() as session:
        deployments = _deployments(session, tenant, name)
        active = next((d for d in deployments if d.status == ACTIVE), None)
        interval = rules_at(session, PRODUCTION).monitoring.interval_hours
        runs = [r for r in _runs(session, tenant, name) if active and r.deployment_id == active.id]
    last = runs[0] if runs else None
    success = next((r for r in runs if r.state == SUCCEEDED), None)
    out = RunOut.of(success) if success is not None else None
    return StatusOut(
        tenant=tenant,
        name=name,
        deployment_version=active.version if active is not None else None,
        status=success.status if success is not None else None,
        reasons=out.reasons if out is not None else [],
        interval_hours=interval,
        last_run=RunOut.of(last) if last is not None else None,
        last_success=out,
    )


def list_runs(
    lab: Lab,
    principal: Principal,
    *,
    tenant: str,
    name: str,
    limit: int = 50,
    request_id: str | None = None,
) -> list[RunOut]:
    """The runs of every deployment of the name, newest first."""
    _authorize(lab, principal, AccessAction.READ, tenant,
               f"deployments/{name}/monitoring/runs", request_id)  # fmt: skip
    with lab.read() as session:
        _deployments(session, tenant, name)
        return [RunOut.of(r) for r in _runs(session, tenant, name, min(limit, MAX_RUNS))]


def _run(session: Session, tenant: str, name: str, run_id: str) -> MonitoringRun:
    run = session.get(MonitoringRun, run_id)
    if run is None or (run.tenant, run.name) != (tenant, name):
        raise NotFound(f"no monitoring run {run_id!r} of model {name!r}")
    return run


def get_run(
    lab: Lab,
    principal: Principal,
    *,
    tenant: str,
    name: str,
    run_id: str,
    request_id: str | None = None,
) -> RunOut:
    _authorize(lab, principal, AccessAction.READ, tenant,
               f"deployments/{name}/monitoring/runs/{run_id}", request_id)  # fmt: skip
    with lab.read() as session:
        return RunOut.of(_run(session, tenant, name, run_id))


def plot_content(
    lab: Lab,
    principal: Principal,
    *,
    tenant: str,
    name: str,
    run_id: str,
    plot: str,
    request_id: str | None = None,
) -> bytes:
    """A run's plot (PNG), decrypted in memory: drawn from what the disclosure gate let
    through, never a record. A plot the gate withheld is a Conflict that says why."""
    resource = f"deployments/{name}/monitoring/runs/{run_id}/plots/{plot}"
    _authorize(lab, principal, AccessAction.READ, tenant, resource, request_id)
    with lab.read() as session:
        run = _run(session, tenant, name, run_id)
        version_id, plots = run.plots_version_id, list(run.plots or [])
        gated = {p["plot"]: p for p in run.plot_gate or []}
        state = session.scalar(
            sa.select(DatasetVersion.state).where(DatasetVersion.id == version_id)
        )
    withheld = gated.get(plot, {}).get("withheld")
    if withheld:
        raise Conflict(f"plot {plot!r} of monitoring run {run_id!r} was withheld: {withheld}")
    if plot not in plots or version_id is None:
        raise NotFound(f"monitoring run {run_id!r} has no plot {plot!r}")
    if state != READY:
        raise NotFound(f"the plots of monitoring run {run_id!r} were destroyed")
    content = read_files(lab, version_id).get(f"{plot}.png", b"")
    if not content.startswith(PNG_MAGIC):
        raise NotFound(f"plot {plot!r} of monitoring run {run_id!r} is not a PNG image")
    return content


def request_run(lab: Lab, principal: Principal, actor: Actor, *, tenant: str, name: str) -> RunOut:
    """Queue a run of the active deployment for a worker; one waiting run at a time."""
    _authorize(lab, principal, AccessAction.CREATE, tenant,
               f"deployments/{name}/monitoring/runs", actor.request_id)  # fmt: skip
    with lab.transaction() as session:
        active = next((d for d in _deployments(session, tenant, name) if d.status == ACTIVE), None)
        if active is None:
            raise Conflict(f"model {name!r} has no active deployment to monitor")
        for waiting in session.scalars(
            sa.select(MonitoringRun).where(
                MonitoringRun.deployment_id == active.id,
                MonitoringRun.state.in_([QUEUED, RUNNING]),
            )
        ):
            item = session.get(WorkItem, waiting.work_item_id) if waiting.work_item_id else None
            if item is None or item.state not in ENDED:
                raise Conflict(f"monitoring run {waiting.id} of model {name!r} has not ended yet")
            # its work item ended without the run recording it (its worker died)
            waiting.state, waiting.finished_at = FAILED, utcnow()
            waiting.message = f"its work item ended {item.status}: {item.message}"[:2000]
        item_id = new_item_id()
        run = new_run(session, active, trigger=REQUEST, requested_by=actor.name, state=QUEUED,
                      work_item_id=item_id)  # fmt: skip
        submit(session, kind=KIND, tenant=tenant, zone=PRODUCTION, name=name,
               submitter=actor.name, spec={"run": run.id}, item_id=item_id)  # fmt: skip
        lab.auditor.change(
            session,
            actor,
            AuditAction.MONITORING_REQUEST,
            f"{PRODUCTION}/deployments/{name}/versions/{active.version}",
            tenant=tenant,
            zone=PRODUCTION,
            details={"run": run.id, "deployment": active.id, "work_item": item_id},
        )
        return RunOut.of(run)
