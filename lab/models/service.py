"""The model registry: registering a version a job saved, and the front doors that read it.

`register_version` is called by the job pickup (`lab.runs.models`) once the registry's checks
passed (`jobs.models.registry_checks`): it stores the artifact encrypted as a dataset version
of kind `model` (the zone's `model_days` bound its life; the destruction scheduler destroys
it, its key and writes the receipt), then records the version and audits it. The readers
pass the chokepoint first, as the tenant's thing the caller named (a denial for someone with
no standing in the tenant looks like a missing model), then look the model up.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from jobs.models.registry_checks import CheckedModel
from lab.auditing import Actor
from lab.authz.chokepoint import Principal
from lab.catalogue.actions import AccessAction, AuditAction
from lab.context import Lab
from lab.errors import Conflict, NotFound
from lab.models.models import REGISTERED, RETIRED, Model, ModelVersion
from lab.models.schemas import Lineage, ModelOut, ModelRef, ModelVersionOut, PlotOut
from lab.runs.artifacts import read_files, store_files
from lab.storage.models import DESTROYED, READY, DatasetVersion
from lab.zones.registry import holds_full_data

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def register_version(
    lab: Lab,
    actor: Actor,
    *,
    tenant: str,
    zone: str,
    name: str,
    dataset: str,
    checked: CheckedModel,
    lineage: Lineage,
    metrics: dict[str, Any],
    plots: dict[str, str],
) -> ModelVersionOut:
    """Store the checked artifact encrypted and record it as the model's next version."""
    stored = store_files(
        lab,
        actor,
        tenant=tenant,
        zone=zone,
        dataset=dataset,
        files={checked.artifact_name: checked.artifact},
        kind="model",
        lineage={"job": lineage.job_id, "model": name, "flavour": checked.flavour},
    )
    digest = hashlib.sha256(checked.artifact).hexdigest()
    with lab.transaction() as session:
        model = session.scalar(
            sa.select(Model).where(Model.tenant == tenant, Model.zone == zone, Model.name == name)
        )
        if model is None:
            model = Model(id=secrets.token_hex(8), tenant=tenant, zone=zone, name=name)
            session.add(model)
            session.flush()
        latest = session.scalar(
            sa.select(sa.func.max(ModelVersion.version)).where(ModelVersion.model_id == model.id)
        )
        row = ModelVersion(
            id=secrets.token_hex(8),
            model_id=model.id,
            version=(latest or 0) + 1,
            flavour=checked.flavour,
            input_schema=checked.features,
            target=checked.target,
            classes=checked.classes,
            details=checked.details,
            library=checked.library,
            artifact_version_id=stored.id,
            artifact_name=checked.artifact_name,
            sha256=digest,
            byte_size=len(checked.artifact),
            job_id=lineage.job_id,
            code_hash=lineage.code_hash,
            inputs=lineage.inputs,
            spec=lineage.spec,
            metrics=metrics,
            plots=plots,
            registered_by=actor.name,
            destroy_at=stored.destroy_at,
        )
        session.add(row)
        session.flush()
        row.model = model
        lab.auditor.change(
            session,
            actor,
            AuditAction.MODEL_REGISTER,
            f"{zone}/models/{name}/versions/{row.version}",
            tenant=tenant,
            zone=zone,
            details={
                "model_version_id": row.id,
                "flavour": checked.flavour,
                "sha256": digest,
                "artifact_version_id": stored.id,
                "job": lineage.job_id,
                "code_hash": lineage.code_hash,
                "features": len(checked.features),
            },
        )
        return ModelVersionOut.of(row, READY)


def retire_version(
    lab: Lab, principal: Principal, actor: Actor, ref: ModelRef, *, reason: str
) -> ModelVersionOut:
    """Retire a registered version: it stays readable, with its lineage, but is no longer
    offered for use. Retiring twice, or a destroyed version, is a conflict."""
    lab.chokepoint.authorize_named(
        principal,
        AccessAction.UPDATE,
        ref.resource,
        tenant=ref.tenant,
        zone=ref.zone,
        request_id=actor.request_id,
    )
    with lab.transaction() as session:
        row = _version(session, ref)
        (current,) = _outs(session, [row])
        if current.status != REGISTERED:
            raise Conflict(f"model {ref.name!r} version {ref.version} is {current.status}")
        row.status = RETIRED
        lab.auditor.change(
            session,
            actor,
            AuditAction.MODEL_RETIRE,
            f"{ref.zone}/models/{ref.name}/versions/{ref.version}",
            tenant=ref.tenant,
            zone=ref.zone,
            details={"model_version_id": row.id, "reason": reason[:300]},
        )
        return _outs(session, [row])[0]


def _authorize(
    lab: Lab, principal: Principal, ref: ModelRef, resource: str, rid: str | None
) -> None:
    lab.chokepoint.authorize_named(
        principal, AccessAction.READ, resource, tenant=ref.tenant, zone=ref.zone, request_id=rid
    )


def _outs(session: Session, rows: list[ModelVersion]) -> list[ModelVersionOut]:
    ids = [r.artifact_version_id for r in rows]
    states = dict(
        session.execute(
            sa.select(DatasetVersion.id, DatasetVersion.state).where(DatasetVersion.id.in_(ids))
        ).all()
    )
    return [ModelVersionOut.of(r, states.get(r.artifact_version_id, DESTROYED)) for r in rows]


def _versions(session: Session, model_ids: list[str]) -> list[ModelVersion]:
    query = (
        sa.select(ModelVersion)
        .where(ModelVersion.model_id.in_(model_ids))
        .order_by(ModelVersion.model_id, ModelVersion.version)
    )
    return list(session.scalars(query))


def list_models(
    lab: Lab, principal: Principal, *, tenant: str, zone: str, request_id: str | None = None
) -> list[ModelOut]:
    """The tenant's models in a zone, each with its newest version."""
    _authorize(lab, principal, ModelRef(tenant, zone, ""), "models", request_id)
    with lab.read() as session:
        models = list(
            session.scalars(
                sa.select(Model)
                .where(Model.tenant == tenant, Model.zone == zone)
                .order_by(Model.name)
            )
        )
        outs = _outs(session, _versions(session, [m.id for m in models]))
    return [ModelOut.of(m, [o for o in outs if o.name == m.name]) for m in models]


def model_versions(
    lab: Lab, principal: Principal, ref: ModelRef, *, request_id: str | None = None
) -> tuple[ModelOut, list[ModelVersionOut]]:
    """A model and all its versions, oldest first."""
    _authorize(lab, principal, ref, f"models/{ref.name}", request_id)
    with lab.read() as session:
        model = _model(session, ref)
        outs = _outs(session, _versions(session, [model.id]))
    return ModelOut.of(model, outs), outs


def get_version(
    lab: Lab, principal: Principal, ref: ModelRef, *, part: str = "", request_id: str | None = None
) -> ModelVersionOut:
    """One version; `part` names the sub-resource asked for (`metrics`, `plots`)."""
    _authorize(lab, principal, ref, ref.resource + (f"/{part}" if part else ""), request_id)
    with lab.read() as session:
        return _outs(session, [_version(session, ref)])[0]


def list_plots(
    lab: Lab, principal: Principal, ref: ModelRef, *, request_id: str | None = None
) -> list[PlotOut]:
    _authorize(lab, principal, ref, ref.resource + "/plots", request_id)
    with lab.read() as session:
        plots = _version(session, ref).plots
        states = dict(
            session.execute(
                sa.select(DatasetVersion.id, DatasetVersion.state).where(
                    DatasetVersion.id.in_(list(plots.values()))
                )
            ).all()
        )
    return [PlotOut(name=n, available=states.get(v) == READY) for n, v in sorted(plots.items())]


def plot_content(
    lab: Lab, principal: Principal, ref: ModelRef, plot: str, *, request_id: str | None = None
) -> bytes:
    """The PNG of one plot of a version, decrypted in memory. From a zone holding full data
    nothing but through a release request leaves to a partner: a plot there is refused."""
    _authorize(lab, principal, ref, f"{ref.resource}/plots/{plot}", request_id)
    with lab.read() as session:
        if holds_full_data(session, ref.zone):
            raise Conflict(
                f"a plot of the {ref.zone} zone (full data) leaves only through a reviewed "
                "release request"
            )
        version_id = _version(session, ref).plots.get(plot)
        state = session.scalar(
            sa.select(DatasetVersion.state).where(DatasetVersion.id == version_id)
        )
    if version_id is None:
        raise NotFound(f"model {ref.name!r} version {ref.version} has no plot {plot!r}")
    if state != READY:
        raise NotFound(f"plot {plot!r} of model {ref.name!r} version {ref.version} was destroyed")
    content = next(iter(read_files(lab, version_id).values()), b"")
    if not content.startswith(PNG_MAGIC):  # registered as a PNG: anything else is not served
        raise NotFound(f"plot {plot!r} of model {ref.name!r} is not a PNG image")
    return content


def _model(session: Session, ref: ModelRef) -> Model:
    model = session.scalar(
        sa.select(Model).where(
            Model.tenant == ref.tenant, Model.zone == ref.zone, Model.name == ref.name
        )
    )
    if model is None:
        raise NotFound(f"no model {ref.name!r} in {ref.zone!r}")
    return model


def _version(session: Session, ref: ModelRef) -> ModelVersion:
    model = _model(session, ref)
    row = session.scalar(
        sa.select(ModelVersion).where(
            ModelVersion.model_id == model.id, ModelVersion.version == ref.version
        )
    )
    if row is None:
        raise NotFound(f"no version {ref.version} of model {ref.name!r} in {ref.zone!r}")
    return row
