"""Which deployments are due a monitoring run, and the scheduler's round over them.

A deployment is due when it is active and its newest run (whatever its end: a failed run
counts, so a refused model is tried once an interval, not at every tick) was created more
than its zone's `monitoring.interval_hours` ago, or it has none (a run queued or running
is the newest, so a deployment is not run twice at once). Each deployment's run has its
own error boundary: one that fails (a tampered artifact, missing data) is recorded and
audited by `runner.execute`, and the round goes on with the next.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lab.context import Lab
from lab.db.base import utcnow
from lab.monitoring.models import RUNNING, SCHEDULE, MonitoringRun
from lab.monitoring.runner import ACTOR, RunFailed, execute, new_run
from lab.promotions.models import ACTIVE, Deployment
from lab.zones.registry import rules_at

log = logging.getLogger("lab.monitoring")


@dataclass
class RoundReport:
    """What one round did: run ids by how they ended."""

    succeeded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _interval(session: Session, zone: str, now: datetime, known: dict[str, timedelta]) -> timedelta:
    if zone not in known:
        known[zone] = timedelta(hours=rules_at(session, zone, now).monitoring.interval_hours)
    return known[zone]


def due_deployments(session: Session, now: datetime) -> list[Deployment]:
    """Active deployments whose newest run is older than their zone's interval."""
    newest = (
        sa.select(
            MonitoringRun.deployment_id,
            sa.func.max(MonitoringRun.created_at).label("last"),
        )
        .group_by(MonitoringRun.deployment_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Deployment, newest.c.last)
        .outerjoin(newest, newest.c.deployment_id == Deployment.id)
        .where(Deployment.status == ACTIVE)
        .order_by(Deployment.tenant, Deployment.name)
    ).all()
    intervals: dict[str, timedelta] = {}
    return [
        deployment
        for deployment, last in rows
        if last is None or last <= now - _interval(session, deployment.zone, now, intervals)
    ]


def claim(session: Session, deployment_id: str, now: datetime) -> str | None:
    """Start a scheduled run of the deployment if it is still due, its id; else None.

    The deployment's row is locked for the check, so that two schedulers (two `lab serve`
    processes) do not both run it: the second finds the first's run and goes on."""
    deployment = session.get(Deployment, deployment_id, with_for_update=True,
                             populate_existing=True)  # fmt: skip
    if deployment is None or deployment.status != ACTIVE:
        return None
    last = session.scalar(
        sa.select(sa.func.max(MonitoringRun.created_at)).where(
            MonitoringRun.deployment_id == deployment_id
        )
    )
    if last is not None and last > now - _interval(session, deployment.zone, now, {}):
        return None
    run = new_run(session, deployment, trigger=SCHEDULE, requested_by=ACTOR.name, state=RUNNING)
    return run.id


def run_due(lab: Lab, now: datetime | None = None) -> RoundReport:
    """Run every due deployment's monitoring, one after the other, each in its boundary."""
    moment = now or utcnow()
    report = RoundReport()
    with lab.read() as session:
        candidates = [d.id for d in due_deployments(session, moment)]
    for deployment_id in candidates:
        run_id: str | None = None
        try:
            with lab.transaction() as session:
                run_id = claim(session, deployment_id, moment)
            if run_id is None:
                continue
            execute(lab, run_id)
            report.succeeded.append(run_id)
        except RunFailed as exc:
            log.warning("monitoring run %s failed: %s", run_id, exc.message)
            report.failed.append(exc.run_id)
        except Exception:  # recording the failure itself failed: the round still goes on
            log.exception("monitoring of deployment %s failed unrecorded", deployment_id)
            report.failed.append(run_id or deployment_id)
    return report
