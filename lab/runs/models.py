"""A job's saved model becomes a registry version, or is refused with a finding.

What the job left at `outputs/models/<name>` is read into memory (regular files only, bounded)
and checked by `jobs.models.registry_checks`, which parses the artifact without running code:
pickle and joblib are never loaded here, nor any file but a safe model's. A refused model
is audited (`model.refuse`) and reported on the job; the job's other outputs are unaffected.
A passed one is registered with its lineage, the job's metrics and its PNG plots.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from jobs.models.registry_checks import MAX_ARTIFACT_BYTES, ModelRefused, check_model_folder
from jobs.spec import JobSpec
from lab.auditing import Actor
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.models.schemas import Lineage
from lab.models.service import PNG_MAGIC, register_version
from lab.runs.inputs import ResolvedInput
from lab.work.models import WorkItem

MAX_FILES = 16
MAX_METRICS_BYTES = 1024 * 1024


def read_folder(path: Path) -> dict[str, bytes]:
    """The files of a model folder, or ModelRefused for anything that is not a flat folder of
    regular files within bounds (a lone file, a link, a subfolder)."""
    if path.is_symlink() or not path.is_dir():
        raise ModelRefused(
            "model_format",
            f"models/{path.name} is not a folder written by labjob.save_model (ONNX, LightGBM "
            "text or a scorecard); pickle and joblib files are never accepted",
        )
    entries = sorted(path.iterdir())
    if len(entries) > MAX_FILES:
        raise ModelRefused("model_files", f"the model folder holds more than {MAX_FILES} files")
    files: dict[str, bytes] = {}
    total = 0
    for entry in entries:
        if entry.is_symlink() or not entry.is_file():
            raise ModelRefused("model_files", f"{entry.name} is not a regular file")
        total += entry.stat().st_size
        if total > MAX_ARTIFACT_BYTES:
            raise ModelRefused("model_size", f"the model folder exceeds {MAX_ARTIFACT_BYTES} bytes")
        files[entry.name] = entry.read_bytes()
    return files


def job_metrics(files: dict[str, Path], spec: JobSpec) -> dict[str, Any]:
    """The job's metrics (`labjob.log_metric`): numbers, booleans and short strings."""
    found: dict[str, Any] = {}
    for name, declared in spec.outputs.items():
        path = files.get(name)
        if declared.kind != "metrics" or path is None or path.stat().st_size > MAX_METRICS_BYTES:
            continue
        try:
            data = json.loads(path.read_text("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(data, dict):
            found.update(
                (str(k)[:128], v)
                for k, v in data.items()
                if isinstance(v, bool | int | float) or (isinstance(v, str) and len(v) <= 200)
            )
    return found


def png_outputs(files: dict[str, Path], entries: dict[str, Any]) -> dict[str, str]:
    """Output name -> stored version id of the job's file outputs that are PNG images (by
    their bytes, not their names)."""
    plots = {}
    for name, path in files.items():
        entry = entries.get(name) or {}
        with path.open("rb") as handle:
            if handle.read(len(PNG_MAGIC)) == PNG_MAGIC and entry.get("version_id"):
                plots[name] = str(entry["version_id"])
    return plots


def lineage_of(item: WorkItem, inputs: dict[str, ResolvedInput]) -> Lineage:
    bundle = base64.b64decode(item.spec.get("bundle") or b"")
    return Lineage(
        job_id=item.id,
        code_hash=hashlib.sha256(bundle).hexdigest(),
        inputs={
            alias: {
                "tenant": i.version.tenant,
                "dataset": i.version.name,
                "version": i.version.version,
                "version_id": i.version.id,
            }
            for alias, i in inputs.items()
        },
        spec=dict(item.spec.get("job", {})),
    )


def settle_model(
    lab: Lab,
    item: WorkItem,
    spec: JobSpec,
    name: str,
    path: Path,
    *,
    tenant: str,
    lineage: Lineage,
    metrics: dict[str, Any],
    plots: dict[str, str],
) -> dict[str, Any]:
    """Check and register one saved model, or refuse it; audit either way; its report entry."""
    actor = Actor(item.submitter)
    declared = spec.outputs[name]
    try:
        checked = check_model_folder(read_folder(path))
    except ModelRefused as refused:
        return _refuse(lab, item, spec, name, path, refused)
    version = register_version(
        lab,
        actor,
        tenant=tenant,
        zone=spec.zone,
        name=name,
        dataset=f"job-{item.id}-{name}",
        checked=checked,
        lineage=lineage,
        metrics=metrics,
        plots=plots,
    )
    return {
        "sensitivity": declared.sensitivity,
        "kind": "model",
        "disposition": "kept",
        "released": False,
        "reason": f"registered as model {name!r} version {version.version} ({checked.flavour})",
        "tenant": tenant,
        "dataset": f"job-{item.id}-{name}",
        "version_id": version.artifact.version_id,
        "model": {"name": name, "version": version.version, "flavour": checked.flavour},
        "findings": [],
    }


def _refuse(
    lab: Lab, item: WorkItem, spec: JobSpec, name: str, path: Path, refused: ModelRefused
) -> dict[str, Any]:
    files = sorted(p.name for p in path.iterdir())[:20] if path.is_dir() else [path.name]
    with lab.transaction() as session:
        lab.auditor.record(
            session,
            actor="system:registry",
            action=AuditAction.MODEL_REFUSE,
            resource=f"{spec.zone}/jobs/{item.id}/outputs/{name}",
            tenant=item.tenant,
            zone=spec.zone,
            decision="deny",
            outcome="refused",
            details={
                "job": item.id,
                "output": name,
                "rule": refused.rule,
                "files": len(files),  # what they are called is the job's text: not audited
                "suffixes": sorted({Path(f).suffix[:12] for f in files}),
            },
        )
    return {
        "sensitivity": spec.outputs[name].sensitivity,
        "kind": "model",
        "disposition": "refused",
        "released": False,
        "reason": refused.message,
        "findings": [{"rule": refused.rule, "severity": "block", "message": refused.message}],
    }
