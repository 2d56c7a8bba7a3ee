"""Every output of a job crosses the disclosure gate on its way out, and is kept in the zone.

- highly_sensitive outputs stay in the zone, as datasets of the tenant they belong to;
- moderately_sensitive ones pass the zone's checks (minimum cell count with suppression,
  rounding, no identifier columns, file types, size and rows); what passes is kept as a
  releasable dataset, what is blocked stays in the zone with the findings that say why;
- in production no row-level output reaches a partner: tables the gate does not release go
  to the data owner's tenant only.
Each decision is audited; nothing is dropped silently.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pyarrow as pa

from jobs.gate import GateRules, check_output
from jobs.spec import JobSpec
from lab.actions import Actor
from lab.context import Lab
from lab.datasets.service import write_dataset
from lab.retention.clock import Kind
from lab.runs.artifacts import store_files
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
    owner: str,
    classes: dict[str, str],
    table: pa.Table | None = None,
    file: Path | None = None,
    count_columns: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Gate one output, keep it in the zone, audit the decision; return its report entry."""
    declared = spec.outputs[name]
    gate = check_output(
        name,
        declared.sensitivity,
        table=table,
        file=file,
        column_classes=classes,
        rules=gate_rules(rules),
        count_columns=sorted(set(declared.count_columns or ()) | set(count_columns)) or None,
    )
    released = gate.allowed
    tenant = item.tenant if released or spec.zone != "production" else owner
    actor = Actor(item.submitter)
    lineage = {
        "job": item.id,
        "output": name,
        "sensitivity": declared.sensitivity,
        "released": released,
    }
    dataset = f"job-{item.id}-{name}"
    if released and gate.table is not None:
        stored = write_dataset(
            lab,
            actor,
            tenant=tenant,
            zone=spec.zone,
            name=dataset,
            batches=gate.table.to_batches(),
            schema=gate.table.schema,
            lineage=lineage,
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
            classifications=_classes_for(table, classes),
            lineage=lineage,
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
            lineage=lineage,
        )
    hide_values = spec.zone == "production"
    findings = [asdict(f.without_value() if hide_values else f) for f in gate.findings]
    with lab.transaction() as session:
        lab.auditor.record(
            session,
            actor="system:gate",
            action="output.gate",
            resource=f"{spec.zone}/jobs/{item.id}/outputs/{name}",
            tenant=item.tenant,
            zone=spec.zone,
            decision="allow" if released else "deny",
            outcome="released" if released else "kept-in-zone",
            details={
                "job": item.id,
                "output": name,
                "findings": len(gate.findings),
                "rules": sorted({f.rule for f in gate.findings}),
                "dataset_version": stored.id,
                "tenant": tenant,
            },
        )
    return {
        "sensitivity": declared.sensitivity,
        "kind": declared.kind,
        "released": released,
        "tenant": tenant,
        "dataset": dataset,
        "version_id": stored.id,
        "rows": stored.row_count,
        "findings": json.loads(json.dumps(findings, default=str)),
    }


def _classes_for(table: pa.Table, classes: dict[str, str]) -> dict[str, str]:
    return {c: classes[c] for c in table.column_names if c in classes}
