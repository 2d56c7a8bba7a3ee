"""Loading a deployed model for a production job: only after its signature and its
artifact's hash are checked.

`load_deployed` reads the active deployment of (tenant, name), or the one named by its
number, decrypts its artifact from the production zone, verifies the manifest's Ed25519
signature with the lab's promotion public key and the artifact's SHA-256 against the
manifest (`jobs.models.manifest.verify`), and only then builds the scorer, without running
any code the artifact carries. Whatever fails (no such deployment, unsigned, a changed
manifest or signature, another key, an altered or unreadable artifact) is refused with a
`Conflict` that says which check failed, and audited as `model.load` denied; a load that
passes is audited as allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from jobs.models import manifest as manifests
from jobs.models.formats import ModelInvalid, Scorer, load_scorer
from lab.auditing import Actor
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.errors import Conflict, LabError, NotFound
from lab.keys.signing import promotion_signing_key
from lab.models.models import ModelVersion
from lab.promotions.models import ACTIVE, PRODUCTION, Deployment
from lab.runs.artifacts import read_files


@dataclass(frozen=True)
class LoadedModel:
    """A verified deployed model, ready to score; enough for scoring and monitoring."""

    deployment_id: str
    tenant: str
    name: str
    version: int  # the deployment's number
    model_version_id: str
    flavour: str
    input_schema: list[dict[str, str]]
    scorer: Scorer
    manifest: dict[str, Any]
    key_id: str

    @property
    def training_inputs(self) -> list[dict[str, Any]]:
        """The dataset versions the model was trained on, from the signed lineage."""
        return list(self.manifest["lineage"]["inputs"])


def load_deployed(
    lab: Lab,
    actor: Actor,
    *,
    tenant: str,
    name: str,
    version: int | None = None,
    threads: int = 1,
) -> LoadedModel:
    """The deployment, verified and loaded; Conflict (audited) when any check fails."""
    resource = f"{PRODUCTION}/deployments/{name}" + (f"/versions/{version}" if version else "")
    try:
        row, features = _deployment(lab, tenant, name, version)
        resource = f"{PRODUCTION}/deployments/{name}/versions/{row.version}"
        loaded = _verified(lab, row, features, threads)
    except (LabError, manifests.ManifestError, ModelInvalid) as exc:
        why = str(exc)
        _audit(lab, actor, resource, tenant, "deny", {"refused": why[:300]})
        raise Conflict(f"deployed model {name!r} of {tenant!r} refused: {why}") from None
    _audit(
        lab,
        actor,
        resource,
        tenant,
        "allow",
        {"deployment": loaded.deployment_id, "key_id": loaded.key_id},
    )
    return loaded


def _deployment(
    lab: Lab, tenant: str, name: str, version: int | None
) -> tuple[Deployment, list[dict[str, str]]]:
    query = sa.select(Deployment).where(
        Deployment.tenant == tenant, Deployment.zone == PRODUCTION, Deployment.name == name
    )
    if version is None:
        query = query.where(Deployment.status == ACTIVE)
    else:
        query = query.where(Deployment.version == version)
    with lab.read() as session:
        row = session.scalar(query)
        if row is None:
            which = f"deployment {version}" if version is not None else "active deployment"
            raise NotFound(f"no {which} of model {name!r}")
        model_version = session.get(ModelVersion, row.model_version_id)
        features = list(model_version.input_schema) if model_version is not None else []
    return row, features


def _verified(lab: Lab, row: Deployment, schema: list[dict[str, str]], threads: int) -> LoadedModel:
    if row.manifest is None or row.signature is None or row.key_id is None:
        raise Conflict("the deployment has no signed manifest")
    signed = manifests.SignedManifest(
        payload=row.manifest, signature=row.signature, key_id=row.key_id
    )
    with lab.transaction() as session:
        public = promotion_signing_key(session, lab.master_key).public_key()
    try:
        artifact = read_files(lab, row.artifact_version_id).get(row.artifact_name)
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise Conflict(f"the artifact cannot be read: {type(exc).__name__}") from None
    if artifact is None:
        raise Conflict("the deployment's artifact is missing")
    manifest = manifests.verify(signed, public, artifact)
    if manifest.model_name != row.name or manifest.flavour != row.flavour:
        raise Conflict("the signed manifest names another model than the deployment")
    features = [f["name"] for f in schema]
    scorer = load_scorer(row.flavour, artifact, features=features or None, threads=threads)
    return LoadedModel(
        deployment_id=row.id,
        tenant=row.tenant,
        name=row.name,
        version=row.version,
        model_version_id=row.model_version_id,
        flavour=row.flavour,
        input_schema=schema,
        scorer=scorer,
        manifest=manifest.model_dump(mode="json"),
        key_id=signed.key_id,
    )


def _audit(
    lab: Lab, actor: Actor, resource: str, tenant: str, decision: str, details: dict[str, Any]
) -> None:
    lab.auditor.record_alone(
        actor=actor.name,
        action=AuditAction.MODEL_LOAD,
        resource=resource,
        tenant=tenant,
        zone=PRODUCTION,
        decision=decision,
        outcome="allowed" if decision == "allow" else "refused",
        request_id=actor.request_id,
        details=details,
    )
