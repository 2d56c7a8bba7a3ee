"""Queueing a job: the spec is checked against the zone, its inputs authorized for the
submitter, its code bundle kept with the queued item.

The caller was already allowed to submit in the zone: `lab.runs.service.submit_job`, the
one front door for the API and the CLI, passes the chokepoint first and then comes here.
"""

from __future__ import annotations

import base64

from jobs.engines.bundle import MAX_BUNDLE_ZIP_BYTES, MIB
from jobs.errors import SpecInvalid
from jobs.spec import JobSpec, check_against
from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.errors import InvalidInput
from lab.runs.inputs import resolve_inputs
from lab.work.models import WorkItem
from lab.work.queue import submit
from lab.zones.registry import rules_at


def parse_spec(text: str) -> JobSpec:
    try:
        return JobSpec.from_json(text) if text.lstrip().startswith("{") else JobSpec.from_yaml(text)
    except SpecInvalid as exc:
        raise InvalidInput(exc.message, field="spec") from None


def queue_job(
    lab: Lab,
    principal: Principal,
    actor: Actor,
    *,
    tenant: str,
    zone: str,
    spec_text: str,
    bundle: bytes | None = None,
) -> WorkItem:
    spec = parse_spec(spec_text)
    if spec.zone != zone:
        raise InvalidInput(f"the spec's zone is {spec.zone!r} but it was submitted to {zone!r}")
    with lab.read() as session:
        rules = rules_at(session, zone)
    try:
        check_against(
            spec,
            allowed_engines=rules.engines,
            max_wall_seconds=rules.resources.max_wall_seconds,
            max_memory_mb=rules.resources.max_memory_mb,
            max_cpus=rules.resources.max_cpus,
        )
    except SpecInvalid as exc:
        raise InvalidInput(exc.message, field="spec") from None
    if spec.engine == "score" and bundle:
        raise InvalidInput(
            "a score job runs a deployed model by name: no code or artifact is uploaded",
            field="bundle",
        )
    if spec.engine not in ("sql", "score") and not bundle:
        raise InvalidInput(f"a {spec.engine} job needs its code: upload a zip bundle")
    if bundle and len(bundle) > MAX_BUNDLE_ZIP_BYTES:
        raise InvalidInput(f"the code bundle is larger than {MAX_BUNDLE_ZIP_BYTES // MIB} MiB")
    resolve_inputs(lab, principal, spec, tenant=tenant, request_id=actor.request_id)
    with lab.transaction() as session:
        item = submit(
            session,
            kind="job",
            tenant=tenant,
            zone=zone,
            name=spec.name,
            submitter=principal.user,
            spec={
                "job": spec.model_dump(mode="json"),
                "bundle": base64.b64encode(bundle).decode("ascii") if bundle else None,
            },
        )
        lab.auditor.change(
            session,
            actor,
            AuditAction.JOB_SUBMIT,
            f"{zone}/jobs/{item.id}",
            tenant=tenant,
            zone=zone,
            details={
                "job": item.id,
                "engine": spec.engine,
                "inputs": sorted(spec.inputs),
                "outputs": sorted(spec.outputs),
                **({"model": spec.model.model_dump()} if spec.model is not None else {}),
            },
        )
    return item
