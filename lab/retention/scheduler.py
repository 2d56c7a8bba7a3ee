"""The scheduler: runs destruction and the monitoring of deployed models on an interval.

It runs inside `lab serve` by default and standalone as `lab scheduler`. Every run has an
error boundary: a failure is logged and audited, and the next run goes on. Destruction and
monitoring are two jobs with a boundary each, so one failing does not stop the other; a
monitoring round has a boundary per deployment as well (`lab.monitoring.schedule`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.db.base import utcnow
from lab.monitoring.schedule import RoundReport, run_due
from lab.retention.destroyer import Destroyer, RunReport

log = logging.getLogger("lab.scheduler")
JOB_ID = "destroy-due"
MONITOR_JOB_ID = "monitor-due"


class Housekeeper:
    """The scheduled work of one process."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.destroyer = Destroyer(lab)

    def run_once(self, now: datetime | None = None) -> RunReport | None:
        """One run inside its error boundary; None when the run itself failed."""
        try:
            report = self.destroyer.run_once(now)
        except Exception as exc:
            log.exception("scheduled destruction run failed")
            self._audit_failure(Destroyer.ACTOR, JOB_ID, exc)
            return None
        if report.destroyed or report.failed:
            log.info(
                "destroyed %d, held %d, failed %d",
                len(report.destroyed),
                len(report.held),
                len(report.failed),
            )
        return report

    def monitor_once(self, now: datetime | None = None) -> RoundReport | None:
        """One monitoring round inside its error boundary; None when the round itself
        failed (a failing deployment's run does not fail the round)."""
        try:
            report = run_due(self.lab, now)
        except Exception as exc:
            log.exception("scheduled monitoring round failed")
            self._audit_failure("system:monitoring", MONITOR_JOB_ID, exc)
            return None
        if report.succeeded or report.failed:
            log.info("monitoring: %d runs, %d failed", len(report.succeeded), len(report.failed))
        return report

    def _audit_failure(self, actor: str, job: str, exc: Exception) -> None:
        try:
            with self.lab.transaction() as session:
                self.lab.auditor.record(
                    session,
                    actor=actor,
                    action=AuditAction.SCHEDULER_RUN,
                    resource="platform/scheduler",
                    outcome="error",
                    details={"job": job, "error": type(exc).__name__},
                )
        except Exception:
            log.exception("could not audit the failed run")

    def _schedule(self, scheduler: BackgroundScheduler | BlockingScheduler) -> None:
        for job, run in ((JOB_ID, self.run_once), (MONITOR_JOB_ID, self.monitor_once)):
            scheduler.add_job(
                run,
                "interval",
                seconds=self.lab.settings.scheduler_interval_seconds,
                id=job,
                max_instances=1,
                coalesce=True,
                next_run_time=utcnow(),
            )

    def start_background(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(timezone="UTC")
        self._schedule(scheduler)
        scheduler.start()
        return scheduler

    def run_forever(self) -> None:
        scheduler = BlockingScheduler(timezone="UTC")
        self._schedule(scheduler)
        scheduler.start()
