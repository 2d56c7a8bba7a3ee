"""The worker's handler for jobs: authorize, resolve inputs, run the engine, gate outputs."""

from __future__ import annotations

import base64
import json
from typing import Any

from jobs.engines.port import Engine, EngineOutput
from jobs.errors import EngineRefused, JobCancelled, JobError, LimitExceeded, SpecInvalid
from jobs.spec import JobSpec
from lab.authz.chokepoint import Principal
from lab.context import Lab
from lab.errors import (
    ConfigurationError,
    Conflict,
    Forbidden,
    InvalidInput,
    LabError,
    NotFound,
    Unauthenticated,
)
from lab.releases.service import auto_release
from lab.runs.engines import ENGINES, engine_job
from lab.runs.inputs import ResolvedInput, column_classes, input_probe, resolve_inputs
from lab.runs.logs import keep_logs, partner_message
from lab.runs.models import job_metrics, lineage_of, png_outputs, settle_model
from lab.runs.outputs import settle_output
from lab.work.models import WorkItem
from lab.work.statuses import WorkStatus
from lab.work.worker import Outcome, WorkContext, WorkFailed
from lab.zones.registry import rules_at, version_at
from lab.zones.rules import ZoneRules

_JOB_STATUS: tuple[tuple[type[JobError], WorkStatus], ...] = (
    (SpecInvalid, WorkStatus.INVALID_SPEC),
    (EngineRefused, WorkStatus.REFUSED),
    (LimitExceeded, WorkStatus.LIMIT_EXCEEDED),
    (JobCancelled, WorkStatus.CANCELLED),
)
_LAB_STATUS: tuple[tuple[type[LabError], WorkStatus], ...] = (
    (NotFound, WorkStatus.INPUT_NOT_FOUND),
    (Forbidden, WorkStatus.FORBIDDEN),
    (Unauthenticated, WorkStatus.UNAUTHENTICATED),
    (InvalidInput, WorkStatus.INVALID_INPUT),
    (Conflict, WorkStatus.CONFLICT),
    (ConfigurationError, WorkStatus.ERROR),
)


def job_status(exc: JobError) -> WorkStatus:
    return next((s for cls, s in _JOB_STATUS if isinstance(exc, cls)), WorkStatus.FAILED)


def lab_status(exc: LabError) -> WorkStatus:
    """Each of the lab's errors as its own status: a missing input is not a refusal."""
    return next((s for cls, s in _LAB_STATUS if isinstance(exc, cls)), WorkStatus.FAILED)


def run_job(lab: Lab, ctx: WorkContext) -> Outcome:
    item = ctx.item
    inputs: dict[str, ResolvedInput] = {}
    engine: Engine | None = None
    try:
        try:
            spec = JobSpec.from_data(item.spec["job"])
            principal = Principal(item.submitter, item.tenant)
            with lab.read() as session:
                rules = rules_at(session, spec.zone)
            inputs = resolve_inputs(lab, principal, spec, tenant=item.tenant, request_id=item.id)
            keeper = results_keeper(rules, item, inputs)
            ctx.progress(0, WorkStatus.RUNNING)
            bundle = base64.b64decode(item.spec.get("bundle") or b"")
            job = engine_job(lab, spec, inputs, rules, ctx.workspace, bundle, job_id=item.id,
                             tenant=item.tenant, submitter=item.submitter)  # fmt: skip
            engine = ENGINES.open(job)
            engine.prepare()
            engine.run(ctx.cancelled)
            output = engine.collect()
        except JobError as exc:
            message = exc.message
            known = json.dumps(item.spec.get("job", {}), ensure_ascii=False)
            message = partner_message(lab, inputs, message, known=known)
            raise WorkFailed(job_status(exc), message) from None
        except LabError as exc:
            raise WorkFailed(lab_status(exc), exc.message) from None
        return _settle(lab, ctx, spec, inputs, rules, keeper, output)
    finally:
        if engine is not None:
            engine.cleanup()


def results_keeper(rules: ZoneRules, item: WorkItem, inputs: dict[str, ResolvedInput]) -> str:
    """Whose results a job's are, in the zone: in a zone that holds full data, the tenant
    whose data the job read (its first input's); elsewhere the submitter's tenant. Its log,
    its models and the outputs it keeps stay with that tenant; what leaves goes to the
    submitter's."""
    if rules.data != "full":
        return item.tenant
    return next((i.version.tenant for i in inputs.values()), item.tenant)


def _settle(
    lab: Lab,
    ctx: WorkContext,
    spec: JobSpec,
    inputs: dict[str, ResolvedInput],
    rules: ZoneRules,
    keeper: str,
    output: EngineOutput,
) -> Outcome:
    """Keep the log, gate and store each declared output, release what may leave."""
    item = ctx.item
    log = keep_logs(lab, item, spec, output, inputs, keeper)
    if output.status != WorkStatus.SUCCEEDED:
        raise WorkFailed(output.status, output.message, {"log": log})
    classes = column_classes(inputs)
    probe = input_probe(lab, inputs)
    outputs: dict[str, Any] = {}
    for name in spec.outputs:
        if ctx.cancelled():
            raise WorkFailed(WorkStatus.CANCELLED, "cancelled while its outputs were checked")
        if spec.outputs[name].kind == "model" and name in output.models:
            continue  # registered below, with the job's metrics and plots
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
            keeper=keeper,
            classes=classes,
            table=table,
            file=file if table is None else None,
            count_columns=output.count_columns,
            lineage=output.lineage,
            contributors=output.contributors,
            probe=probe,
        )
    _register_models(lab, item, spec, inputs, keeper, output, outputs)
    _release(lab, item, outputs)
    result: dict[str, Any] = {
        "engine": spec.engine,
        "inputs": {
            a: {"dataset": i.version.name, "version": i.version.version} for a, i in inputs.items()
        },
        "outputs": outputs,
        "log": log,
        "undeclared": output.undeclared,
        "zone_rules_version": _zone_version(lab, spec.zone),
    }
    if output.model is not None:
        result["model"] = output.model  # the deployment that scored: id, version, hashes
    if output.confinement:
        result["confinement"] = output.confinement  # the limits and isolation in force
    missing = [n for n, o in outputs.items() if o.get("missing")]
    status = WorkStatus.OUTPUTS_MISSING if missing else WorkStatus.SUCCEEDED
    return Outcome(status, output.message, result)


def _register_models(
    lab: Lab,
    item: WorkItem,
    spec: JobSpec,
    inputs: dict[str, ResolvedInput],
    keeper: str,
    output: EngineOutput,
    outputs: dict[str, Any],
) -> None:
    """Each saved model, checked and registered (or refused) for `keeper` (the tenant
    whose results the zone's data makes them), once the other outputs are settled: a
    version carries the job's metrics and its PNG plots as stored."""
    if not output.models:
        return
    lineage = lineage_of(item, inputs)
    metrics = job_metrics(output.files, spec)
    plots = png_outputs(output.files, outputs)
    tenant = keeper
    for name, path in output.models.items():
        outputs[name] = settle_model(
            lab, item, spec, name, path, tenant=tenant, lineage=lineage, metrics=metrics,
            plots=plots,
        )  # fmt: skip


def _release(lab: Lab, item: WorkItem, outputs: dict[str, Any]) -> None:
    """Record the automatic release of the outputs the gate let leave without review. The
    worker stores the item's result only when the handler returns, so the output entries
    are handed over as they stand."""
    names = [n for n, o in outputs.items() if o.get("disposition") == "released"]
    if names:
        auto_release(lab, item, names, entries=outputs)


def _zone_version(lab: Lab, zone: str) -> int:
    with lab.read() as session:
        return version_at(session, zone).version
