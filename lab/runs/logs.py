"""Reading a job's log. In production the log is kept with the data owner (it may echo
rows), so reading it is decided at the chokepoint for the owner's tenant as well."""

from __future__ import annotations

from lab.authz.chokepoint import Principal
from lab.context import Lab
from lab.runs.artifacts import read_files
from lab.work.models import WorkItem


def read_job_log(
    lab: Lab, principal: Principal, item: WorkItem, request_id: str | None = None
) -> str:
    """The job's log text ('' when it wrote none); the caller was allowed on the job."""
    log = item.result.get("log")
    if not log:
        return ""
    if log["tenant"] != item.tenant:
        lab.chokepoint.authorize(
            principal,
            action="read",
            resource=f"jobs/{item.id}/logs",
            zone=item.zone,
            tenant=log["tenant"],
            request_id=request_id,
            hide_unknown=True,
        )
    return read_files(lab, log["version_id"])["job.log"].decode("utf-8")
