"""The worker's side of a monitoring run asked for through the API or the CLI: the work
item names the run, the runner does it and records its end (`lab.monitoring.runner`)."""

from __future__ import annotations

from lab.context import Lab
from lab.monitoring.runner import RunFailed, execute
from lab.work.statuses import WorkStatus
from lab.work.worker import Outcome, WorkContext, WorkFailed


def run_monitoring_item(lab: Lab, context: WorkContext) -> Outcome:
    """Do the queued run; a failed run fails its item with the run's message."""
    run_id = str(context.item.spec.get("run", ""))
    try:
        run = execute(lab, run_id)
    except RunFailed as exc:
        raise WorkFailed(WorkStatus.FAILED, exc.message, {"run": run_id}) from None
    return Outcome(result={"run": run.id, "status": run.status})
