"""A deployment's baseline: the aggregate profile of the sample its model was trained on.

Built by the deployment's first monitoring run, in the worker or scheduler that runs it
(never in the API: it reads the training data decrypted), and kept. Not at deployment:
a deployment is made by the final approval, inside an API request; the scheduler picks
a new deployment up at its next tick (no run yet means due), so the baseline is built
minutes after deployment, while the sandbox data are there, and then outlives them.

Which sample: the dataset versions of the *signed* lineage (`LoadedModel.training_inputs`),
matched to the registry's record of the training job's inputs for their tenant, zone and
storage id; the first of them that has every feature is profiled. The lineage does not
tell training from validation records, so the profile is of the whole training input: its
AUC and KS (when the sample has the model's target column) are those of the records the
model was fitted on, optimistic, and `max_auc_drop` compares production's AUC with them.

The profile keeps aggregates only, no bin or level of fewer than the zone's
`min_bin_records` records (`jobs.models.monitoring.profile`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads

from jobs.models.formats import Scorer
from jobs.models.monitoring import BaselineProfile, build_profile
from lab.auditing import Actor
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.errors import Conflict
from lab.models.deployed import LoadedModel
from lab.models.models import ModelVersion
from lab.monitoring.models import MonitoringBaseline
from lab.promotions.models import PRODUCTION
from lab.storage import VersionInfo
from lab.storage.catalog import get_version
from lab.storage.models import READY

BATCH_ROWS = 65_536


@dataclass(frozen=True)
class Baseline:
    profile: BaselineProfile
    score_column: str
    label_column: str | None
    inputs: list[dict[str, Any]]


def score_column_for(features: list[str]) -> str:
    """The name the score goes by in profiles and runs: `score`, unless a feature has it."""
    name = "score"
    while name in features:
        name = f"model_{name}"
    return name


def scored(
    batches: Iterator[pa.RecordBatch], scorer: Scorer, column: str
) -> Iterator[pa.RecordBatch]:
    """Each batch with the model's score appended as `column`."""
    for batch in batches:
        if batch.num_rows:
            yield batch.append_column(column, scorer.score(batch))


def stored_baseline(lab: Lab, deployment_id: str) -> Baseline | None:
    with lab.read() as session:
        row = session.get(MonitoringBaseline, deployment_id)
        if row is None:
            return None
        return Baseline(
            BaselineProfile.from_dict(row.profile),
            row.score_column,
            row.label_column,
            list(row.inputs),
        )


def ensure_baseline(lab: Lab, actor: Actor, loaded: LoadedModel, *, k: int) -> Baseline:
    """The deployment's baseline, built from its training sample the first time."""
    found = stored_baseline(lab, loaded.deployment_id)
    if found is not None:
        return found
    features = [f["name"] for f in loaded.input_schema]
    version, target = _training_sample(lab, loaded, features)
    score = score_column_for(features)
    names = {c["name"] for c in version.columns}
    label = target if target and target in names and target not in features else None
    columns = features + ([label] if label else [])
    with lab.read() as session:
        dataset = lab.store.dataset(session, version.id)
    table = pa.Table.from_batches(
        list(scored(_scan(dataset, columns), loaded.scorer, score)),
    )
    if table.num_rows == 0:
        raise Conflict(f"the training sample {version.name!r} v{version.version} has no records")
    profile = build_profile(table, features, score_column=score, label_column=label, k=k)
    where = {"tenant": version.tenant, "zone": version.zone}
    inputs = [{**where, "dataset": version.name, "version": version.version}]
    with lab.transaction() as session:
        if session.get(MonitoringBaseline, loaded.deployment_id) is None:
            session.add(
                MonitoringBaseline(
                    deployment_id=loaded.deployment_id,
                    tenant=loaded.tenant,
                    profile=profile.to_dict(),
                    inputs=inputs,
                    score_column=score,
                    label_column=label,
                    k=k,
                )
            )
            session.flush()
            lab.auditor.change(
                session,
                actor,
                AuditAction.MONITORING_BASELINE,
                f"{PRODUCTION}/deployments/{loaded.name}/versions/{loaded.version}",
                tenant=loaded.tenant,
                zone=PRODUCTION,
                details={
                    "deployment": loaded.deployment_id,
                    "inputs": inputs,
                    "records": profile.records,
                    "k": k,
                    "labelled": label is not None,
                },
            )
    return Baseline(profile, score, label, inputs)


def _scan(dataset: pads.Dataset, columns: list[str]) -> Iterator[pa.RecordBatch]:
    yield from dataset.to_batches(columns=columns, batch_size=BATCH_ROWS)


def _training_sample(
    lab: Lab, loaded: LoadedModel, features: list[str]
) -> tuple[VersionInfo, str | None]:
    """The first signed training input that has every feature, and the model's target."""
    with lab.read() as session:
        model_version = session.get(ModelVersion, loaded.model_version_id)
        if model_version is None:
            raise Conflict("the deployed model version is not in the registry")
        recorded = [i for i in model_version.inputs.values() if isinstance(i, dict)]
        target = model_version.target
        candidates = []
        for signed in loaded.training_inputs:
            match = next(
                (
                    r
                    for r in recorded
                    if r.get("dataset") == signed["dataset"]
                    and r.get("version") == signed["version"]
                ),
                None,
            )
            if match is None:
                raise Conflict(
                    f"the signed lineage names {signed['dataset']!r} v{signed['version']}, "
                    "which the registry does not record as a training input"
                )
            row = get_version(session, str(match.get("version_id")))
            info = VersionInfo.of(row)
            if (info.name, info.version, info.tenant) != (
                signed["dataset"],
                signed["version"],
                match.get("tenant"),
            ):
                raise Conflict(f"the training input {signed['dataset']!r} is not the one signed")
            candidates.append(info)
    for info in candidates:
        names = {c["name"] for c in info.columns}
        if set(features) <= names:
            if info.state != READY:
                raise Conflict(
                    f"the training sample {info.name!r} v{info.version} is {info.state}: "
                    "no baseline can be built"
                )
            return info, target
    raise Conflict("no training input of the signed lineage has every feature of the model")
