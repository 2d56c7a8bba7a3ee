"""Every output of a job crosses the disclosure gate on its way out, and is kept in the zone.

The gate judges what the output is (SQL lineage, the lab's own contributor counts, the
values against the inputs); `dispositions.decide` turns its result into `kept`, `review` or
`released`. Every output stays in the zone as a dataset, usable as an input of later jobs:
for `review` and `released` that dataset is what would leave (after suppression and
rounding), for `kept` it is the output as the job wrote it. In production, outputs that are
kept go to the data owner's tenant only. Each decision is audited (`output.gate`, with the
disposition); nothing is dropped silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from jobs.gate import GateResult, GateRules, check_output
from jobs.gate.probe import InputProbe
from jobs.lineage import QueryLineage
from jobs.spec import JobSpec
from lab.auditing import Actor
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.datasets.service import write_dataset
from lab.retention.clock import Kind
from lab.runs.artifacts import store_files
from lab.runs.dispositions import decide
from lab.runs.inputs import strictest
from lab.work.models import WorkItem
from lab.zones.rules import ZoneRules


def gate_rules(rules: ZoneRules) -> GateRules:
    return GateRules.from_mapping(rules.disclosure.model_dump())


def settle_output(
    lab: Lab,
    item: WorkItem,
    spec: JobSpec,
    name: str,
    *,
    rules: ZoneRules,
    keeper: str,
    classes: dict[str, str],
    table: pa.Table | None = None,
    file: Path | None = None,
    count_columns: tuple[str, ...] = (),
    lineage: QueryLineage | None = None,
    contributors: pa.Table | None = None,
    probe: InputProbe | None = None,
) -> dict[str, Any]:
    """Gate one output, keep it in the zone, audit the decision; return its report entry.

    `keeper` is the tenant whose results these are (`lab.runs.handler.results_keeper`): an
    output kept in the zone is stored as theirs, one that leaves as the submitter's tenant's.
    `lineage` and `contributors` come with SQL table outputs (None for Python and Spark),
    `probe` gives the value checks the job's inputs. The caller releases the outputs whose
    disposition is `released` (once all are settled)."""
    declared = spec.outputs[name]
    lineage = lineage if table is not None else None  # a file's content has no SQL lineage
    gate = check_output(
        name,
        declared.sensitivity,
        table=table,
        file=file,
        column_classes=classes,
        rules=gate_rules(rules),
        count_columns=sorted(set(declared.count_columns or ()) | set(count_columns)) or None,
        lineage=lineage,
        contributors=contributors if table is not None else None,
        probe=probe,
    )
    decision = decide(
        gate,
        sensitivity=declared.sensitivity,
        engine=spec.engine,
        rules=rules,
        lineage=lineage,
    )
    leaves = decision.disposition != "kept"
    released = decision.disposition == "released"
    tenant = item.tenant if leaves else keeper  # what stays in the zone is the keeper's
    actor = Actor(item.submitter)
    stored_lineage = {
        "job": item.id,
        "output": name,
        "sensitivity": declared.sensitivity,
        "disposition": decision.disposition,
        "released": released,
    }
    dataset = f"job-{item.id}-{name}"
    if leaves and gate.table is not None:
        stored = write_dataset(
            lab,
            actor,
            tenant=tenant,
            zone=spec.zone,
            name=dataset,
            batches=gate.table.to_batches(),
            schema=gate.table.schema,
            classifications=_stored_classes(gate.table, classes, lineage, probe, gate),
            lineage=stored_lineage,
            kind="job_output",
        )
    elif table is not None:
        stored = write_dataset(
            lab,
            actor,
            tenant=tenant,
            zone=spec.zone,
            name=dataset,
            batches=table.to_batches(),
            schema=table.schema,
            classifications=_stored_classes(table, classes, lineage, probe, gate),
            lineage=stored_lineage,
            kind="job_output",
        )
    else:
        assert file is not None
        kind: Kind = "model" if declared.kind == "model" else "job_output"
        stored = store_files(
            lab,
            actor,
            tenant=tenant,
            zone=spec.zone,
            dataset=dataset,
            files={file.name: file.read_bytes()},
            kind=kind,
            lineage=stored_lineage,
        )
    hide_values = rules.data == "full"
    findings = [f.report(outside=hide_values) for f in gate.findings]
    with lab.transaction() as session:
        lab.auditor.record(
            session,
            actor="system:gate",
            action=AuditAction.OUTPUT_GATE,
            resource=f"{spec.zone}/jobs/{item.id}/outputs/{name}",
            tenant=item.tenant,
            zone=spec.zone,
            decision="allow" if released else "deny",
            outcome=decision.disposition,
            details={
                "job": item.id,
                "output": name,
                "disposition": decision.disposition,
                "lineage": gate.lineage,
                "findings": len(gate.findings),
                "rules": sorted({f.rule for f in gate.findings}),
                "dataset_version": stored.id,
                "tenant": tenant,
            },
        )
    return {
        "sensitivity": declared.sensitivity,
        "kind": declared.kind,
        "disposition": decision.disposition,
        "released": released,
        "reason": decision.reason,
        "lineage": gate.lineage,
        "tenant": tenant,
        "dataset": dataset,
        "version_id": stored.id,
        "rows": stored.row_count,
        "file_name": file.name if file is not None else None,
        "findings": json.loads(json.dumps(findings, default=str)),
    }


IDENTIFYING_RULES = frozenset(
    {"identifier_overlap", "pii_classifier", "identifier_values", "identifier_column"}
)


def _stored_classes(
    table: pa.Table,
    classes: dict[str, str],
    lineage: QueryLineage | None,
    probe: InputProbe | None,
    gate: GateResult,
) -> dict[str, str]:
    """How the stored output's columns are classified, so that a later job reading it is
    judged against what it really holds (a renamed identifier kept here must not come back
    as a plain column): the strictest of the class its name has in the inputs, the classes
    of the input columns its lineage carries (group keys and row-level columns), and
    `identifier` for every column the gate found identifying by its values."""
    names = table.column_names
    found = {n: classes[n] for n in names if n in classes}
    if lineage is not None and probe is not None:
        for column in lineage.columns:
            if column.kind == "aggregate" or column.position >= len(names):
                continue
            name = names[column.position]
            for source in column.sources:
                alias, _, field = source.partition(".")
                cls = probe.classes.get(alias, {}).get(field, "plain")
                cls = "identifier" if probe.identifies(source) else cls
                found[name] = strictest(found.get(name, "plain"), cls)
    for finding in gate.findings:
        if finding.rule in IDENTIFYING_RULES and finding.column in names:
            found[str(finding.column)] = "identifier"
    return found
