"""The scheduler: runs destruction (and, later, other housekeeping) on an interval.

It runs inside `lab serve` by default and standalone as `lab scheduler`. Every run has an
error boundary: a failure is logged and audited, and the next run goes on.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.db.base import utcnow
from lab.retention.destroyer import Destroyer, RunReport

log = logging.getLogger("lab.scheduler")
JOB_ID = "destroy-due"


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
            try:
                with self.lab.transaction() as session:
                    self.lab.auditor.record(
                        session,
                        actor=Destroyer.ACTOR,
                        action=AuditAction.SCHEDULER_RUN,
                        resource="platform/scheduler",
                        outcome="error",
                        details={"job": JOB_ID, "error": type(exc).__name__},
                    )
            except Exception:
                log.exception("could not audit the failed run")
            return None
        if report.destroyed or report.failed:
            log.info(
                "destroyed %d, held %d, failed %d",
                len(report.destroyed),
                len(report.held),
                len(report.failed),
            )
        return report

    def _schedule(self, scheduler: BackgroundScheduler | BlockingScheduler) -> None:
        scheduler.add_job(
            self.run_once,
            "interval",
            seconds=self.lab.settings.scheduler_interval_seconds,
            id=JOB_ID,
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
