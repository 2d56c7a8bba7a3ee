"""The worker's handler for jobs: authorize, resolve inputs, run the engine, gate outputs."""

from __future__ import annotations

import base64
import json
from typing import Any

from jobs.engines.python import sandbox_available
from jobs.engines.spark import spark_available
from jobs.errors import EngineRefused, JobCancelled, JobError, LimitExceeded, SpecInvalid
from jobs.spec import JobSpec
from lab.authz.chokepoint import Principal
from lab.context import Lab
from lab.errors import LabError, NotFound
from lab.releases.service import auto_release
from lab.runs.engines import (
    EngineOutput,
    run_python_job,
    run_sql_job,
    spark_master,
    undeclared,
)
from lab.runs.inputs import ResolvedInput, column_classes, input_probe, resolve_inputs
from lab.runs.logs import keep_logs, partner_message
from lab.runs.outputs import settle_output
from lab.work.models import WorkItem
from lab.work.worker import Outcome, WorkContext, WorkFailed
from lab.zones.registry import rules_at, version_at

_STATUS = {
    SpecInvalid: "invalid-spec",
    EngineRefused: "refused",
    LimitExceeded: "limit-exceeded",
    JobCancelled: "cancelled",
}


def _status(exc: JobError) -> str:
    return next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), "failed")


def run_job(lab: Lab, ctx: WorkContext) -> Outcome:
    item = ctx.item
    inputs: dict[str, ResolvedInput] = {}
    try:
        spec = JobSpec.from_data(item.spec["job"])
        principal = Principal(item.submitter, item.tenant)
        with lab.read() as session:
            rules = rules_at(session, spec.zone)
        inputs = resolve_inputs(lab, principal, spec, tenant=item.tenant, request_id=item.id)
        owner = next((i.version.tenant for i in inputs.values()), item.tenant)
        ctx.progress(0, "running")
        output = _run_engine(lab, ctx, spec, inputs, rules)
    except JobError as exc:
        known = json.dumps(item.spec.get("job", {}), ensure_ascii=False)
        shown = partner_message(lab, inputs, exc.message, known=known)
        raise WorkFailed(_status(exc), shown) from None
    except NotFound as exc:
        raise WorkFailed("input-not-found", exc.message) from None
    except LabError as exc:
        raise WorkFailed("forbidden", exc.message) from None
    log = keep_logs(lab, item, spec, output, inputs, owner)
    if output.status != "succeeded":
        raise WorkFailed(output.status, output.message, {"log": log})
    classes = column_classes(inputs)
    probe = input_probe(lab, inputs)
    outputs: dict[str, Any] = {}
    for name in spec.outputs:
        if ctx.cancelled():
            raise WorkFailed("cancelled", "cancelled while its outputs were checked")
        table, file = output.tables.get(name), output.files.get(name)
        if table is None and file is None:
            outputs[name] = {
                "missing": True,
                "message": f"declared output {name!r} was not produced",
            }
            continue
        outputs[name] = settle_output(
            lab,
            item,
            spec,
            name,
            rules=rules,
            owner=owner,
            classes=classes,
            table=table,
            file=file if table is None else None,
            count_columns=output.count_columns,
            lineage=output.lineage,
            contributors=output.contributors,
            probe=probe,
        )
    _release(lab, item, outputs)
    result: dict[str, Any] = {
        "engine": spec.engine,
        "inputs": {
            a: {"dataset": i.version.name, "version": i.version.version} for a, i in inputs.items()
        },
        "outputs": outputs,
        "log": log,
        "undeclared": undeclared(spec, ctx.workspace / "sandbox" / "outputs"),
        "zone_rules_version": _zone_version(lab, spec.zone),
    }
    if output.confinement:
        result["confinement"] = output.confinement  # the limits and isolation in force
    missing = [n for n, o in outputs.items() if o.get("missing")]
    status = "outputs-missing" if missing else "succeeded"
    return Outcome(status, output.message, result)


def _release(lab: Lab, item: WorkItem, outputs: dict[str, Any]) -> None:
    """Record the automatic release of the outputs the gate let leave without review. The
    worker stores the item's result only when the handler returns, so the output entries
    are handed over as they stand."""
    names = [n for n, o in outputs.items() if o.get("disposition") == "released"]
    if names:
        auto_release(lab, item, names, entries=outputs)


def _run_engine(lab: Lab, ctx: WorkContext, spec: JobSpec, inputs: Any, rules: Any) -> EngineOutput:
    if spec.engine == "sql":
        return run_sql_job(lab, spec, inputs, rules, ctx.workspace, cancelled=ctx.cancelled)
    spark = spec.engine == "spark"
    why_not = spark_available(spark_master(lab.settings)) if spark else sandbox_available()
    if why_not is not None:
        raise EngineRefused(f"this worker refuses {spec.engine} jobs: {why_not}")
    bundle = base64.b64decode(ctx.item.spec.get("bundle") or b"")
    return run_python_job(lab, spec, inputs, rules, ctx.workspace, bundle)


def _zone_version(lab: Lab, zone: str) -> int:
    with lab.read() as session:
        return version_at(session, zone).version
