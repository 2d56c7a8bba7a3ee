"""A job's inputs: resolved to ready dataset versions, each read authorized at the chokepoint
as the submitter, at submission and again when the job runs."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.dataset as pads

from jobs.gate.probe import InputProbe
from jobs.spec import JobSpec
from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AccessAction
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

    @property
    def named_entity_key(self) -> str | None:
        """The column that identifies a person or business, as the import or writer named
        it, whether or not the job's projection shows it: the SQL engine counts entities by
        it, and fails closed when the projection hides it."""
        key = self.version.lineage.get("entity_key")
        return key if isinstance(key, str) and key else None

    @property
    def entity_key(self) -> str | None:
        """The named entity key, if the job can see it (for the gate's value checks)."""
        key = self.named_entity_key
        if key is None or (self.columns is not None and key not in self.columns):
            return None
        return key


def resolve_inputs(
    lab: Lab, principal: Principal, spec: JobSpec, *, tenant: str, request_id: str | None = None
) -> dict[str, ResolvedInput]:
    """Check that `principal` may read each input, then find its (pinned or newest) version."""
    resolved = {}
    for alias, ref in spec.inputs.items():
        owner = ref.tenant or tenant
        lab.chokepoint.authorize(
            principal,
            action=AccessAction.READ,
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


STRICTNESS = ("plain", "sensitive", "quasi_identifier", "identifier")


def strictest(*classes: str) -> str:
    """The most protective of some classifications (an unknown one counts as sensitive)."""
    return max(classes, key=lambda c: STRICTNESS.index(c) if c in STRICTNESS else 1)


def column_classes(inputs: dict[str, ResolvedInput]) -> dict[str, str]:
    """Column name → the strictest class it has in any input (for the output gate)."""
    classes: dict[str, str] = {}
    for item in inputs.values():
        for column, cls in item.classes.items():
            classes[column] = strictest(classes.get(column, "plain"), cls)
    return classes


def entity_keys(inputs: dict[str, ResolvedInput]) -> dict[str, str]:
    """alias -> entity key, for the inputs that name one (the lab counts entities by it)."""
    return {a: i.entity_key for a, i in inputs.items() if i.entity_key is not None}


def input_probe(lab: Lab, inputs: dict[str, ResolvedInput]) -> InputProbe:
    """The job's inputs as the gate's value checks see them: only the columns the job could
    see, read lazily through decrypting datasets (nothing is loaded here)."""
    datasets: dict[str, pads.Dataset] = {}
    for alias, item in inputs.items():
        with lab.read() as session:
            data = lab.store.dataset(session, item.version.id)
        if item.columns is not None:
            kept = [f for f in data.schema if f.name in set(item.columns)]
            data = data.replace_schema(pa.schema(kept))
        datasets[alias] = data
    return InputProbe(
        datasets=datasets,
        classes={a: i.classes for a, i in inputs.items()},
        entity_keys=entity_keys(inputs),
    )
