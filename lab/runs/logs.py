"""A job's log and messages: kept whole for reviewers, shown redacted to the partner.

A log is an output that does not pass the disclosure gate: a job can print its input's rows,
and a traceback can quote a value. So the lab keeps two logs, both encrypted in the zone
with the job's retention (in production, with the data owner): the full one, read only by a
reviewer (action `review` on `jobs/<id>/logs`), and the redacted one the partner reads
(`read`). The redaction (jobs.redaction) cuts every value of the job's own inputs and
whatever the PII recognizers flag; the status message of a Python or Spark job, and an
engine's error message, pass the same redaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jobs.engines.port import EngineOutput
from jobs.redaction import ValueIndex, build_index, redact
from jobs.spec import JobSpec
from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AccessAction
from lab.context import Lab
from lab.runs.artifacts import read_files, store_files
from lab.runs.inputs import ResolvedInput
from lab.work.models import WorkItem

FULL_LOG = "job.log"
PARTNER_LOG = "partner.log"
NOT_REDACTED = (
    "(this job's log was kept before logs were redacted for partners; a reviewer can read "
    "it in full)"
)


def input_index(lab: Lab, inputs: Mapping[str, ResolvedInput]) -> ValueIndex:
    """The values of the job's inputs (the columns it could read), for the redaction."""
    with lab.read() as session:
        tables = {alias: lab.store.dataset(session, i.version.id) for alias, i in inputs.items()}
    columns = {alias: i.columns for alias, i in inputs.items() if i.columns}
    return build_index(tables, columns=columns)


def partner_message(
    lab: Lab, inputs: Mapping[str, ResolvedInput], message: str, *, known: str = ""
) -> str:
    """An engine's message (an error) as the partner may read it; `known`: the job's spec,
    whose own words (its limits, its query) are not redacted when a cell matches them."""
    if not message:
        return message
    index = input_index(lab, inputs) if inputs else None
    return redact(message, index, known=known).text


def keep_logs(
    lab: Lab,
    item: WorkItem,
    spec: JobSpec,
    output: EngineOutput,
    inputs: Mapping[str, ResolvedInput],
    keeper: str,
) -> dict[str, Any] | None:
    """Keeps the full and the redacted log with `keeper` (the tenant whose results the
    zone's data makes them); redacts `output.message` in place (a SQL job's own message,
    rows and seconds, is the lab's and is left as it is)."""
    redact_message = spec.engine != "sql" and bool(output.message)
    if not output.log and not redact_message:
        return None
    index = input_index(lab, inputs)
    if redact_message:
        output.message = redact(output.message, index).text
    if not output.log:
        return None
    shown = redact(output.log, index)
    stored = store_files(
        lab,
        Actor(item.submitter),
        tenant=keeper,
        zone=spec.zone,
        dataset=f"job-{item.id}-log",
        files={
            FULL_LOG: output.log.encode("utf-8"),
            PARTNER_LOG: shown.text.encode("utf-8"),
        },
        kind="job_output",
        lineage={"job": item.id, "log": True},
    )
    return {
        "version_id": stored.id,
        "tenant": stored.tenant,
        "bytes": len(output.log),
        "redacted": shown.count,
        "index_complete": index.complete,
    }


def read_job_log(
    lab: Lab,
    principal: Principal,
    item: WorkItem,
    request_id: str | None = None,
    *,
    full: bool = False,
) -> str:
    """The job's log ('' when it wrote none); the caller was allowed to read the job's logs.

    The redacted log, or with `full` the log as the job wrote it, for a reviewer: `full` is
    decided at the chokepoint as `review` (and audited, allowed or denied) before anything
    is read. In production the log is kept with the data owner, so reading it is decided
    for the owner's tenant as well."""
    log = item.result.get("log")
    tenant = log["tenant"] if log else item.tenant
    if full or tenant != item.tenant:
        lab.chokepoint.authorize(
            principal,
            action=AccessAction.REVIEW if full else AccessAction.READ,
            resource=f"jobs/{item.id}/logs",
            zone=item.zone,
            tenant=tenant,
            request_id=request_id,
            hide_unknown=True,
        )
    if not log:
        return ""
    files = read_files(lab, log["version_id"])
    if full:
        return files[FULL_LOG].decode("utf-8")
    if PARTNER_LOG not in files:
        return NOT_REDACTED
    return files[PARTNER_LOG].decode("utf-8")
