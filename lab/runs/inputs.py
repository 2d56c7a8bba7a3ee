"""A job's inputs: resolved to ready dataset versions, each read authorized at the chokepoint
as the submitter, at submission and again when the job runs."""

from __future__ import annotations

from dataclasses import dataclass

from jobs.spec import JobSpec
from lab.authz.chokepoint import Principal
from lab.context import Lab
from lab.storage import VersionInfo, find_version


@dataclass(frozen=True)
class ResolvedInput:
    alias: str
    version: VersionInfo
    columns: tuple[str, ...] | None  # a projection the spec asked for

    @property
    def classes(self) -> dict[str, str]:
        return {c["name"]: c["classification"] for c in self.version.columns}


def resolve_inputs(
    lab: Lab, principal: Principal, spec: JobSpec, *, tenant: str, request_id: str | None = None
) -> dict[str, ResolvedInput]:
    """Check that `principal` may read each input, then find its (pinned or newest) version."""
    resolved = {}
    for alias, ref in spec.inputs.items():
        owner = ref.tenant or tenant
        lab.chokepoint.authorize(
            principal,
            action="read",
            resource=f"datasets/{ref.dataset}",
            zone=spec.zone,
            tenant=owner,
            request_id=request_id,
            hide_unknown=True,
        )
        with lab.read() as session:
            version = find_version(
                session, tenant=owner, zone=spec.zone, name=ref.dataset, version=ref.version
            )
        columns = tuple(ref.columns) if ref.columns else None
        resolved[alias] = ResolvedInput(alias, version, columns)
    return resolved


def column_classes(inputs: dict[str, ResolvedInput]) -> dict[str, str]:
    """Column name → the strictest class it has in any input (for the output gate)."""
    order = ["plain", "sensitive", "quasi_identifier", "identifier"]
    classes: dict[str, str] = {}
    for item in inputs.values():
        for column, cls in item.classes.items():
            known = classes.get(column, "plain")
            classes[column] = max(known, cls, key=lambda c: order.index(c) if c in order else 1)
    return classes
