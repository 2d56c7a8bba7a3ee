"""The automatic gates of a promotion, computed when it is requested and kept with it.

Three kinds, each a `{"gate", "passed", "detail"}` (the manifest's `GateResult`):
- `metric:<auc|ks|psi>`: the version's registered metric against the production zone's
  threshold (`promotion:` in the zone file). The metric is `<model>_<metric>` (as
  `labjob.validate_binary(<model>, ...)` writes it) or plain `<metric>`; a missing one fails.
- `schema`: every input feature of the model is a column of the production dataset version
  as it was stored (after that zone's desensitization) with a compatible type: numeric
  features need a number (or boolean) column, categorical ones a text column.
- `artifact`: the artifact checks (`jobs.models.artifact_checks`), recounted on the training
  data the version's lineage names: no leaf or bin of fewer than `min_leaf_records`
  records, no category level that looks like an identifier or PII. Warnings pass and are
  listed; errors fail.
Details name features, metrics and counts, never a data value.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa

from jobs.models.artifact_checks import ERROR, check_artifact
from lab.context import Lab
from lab.errors import LabError
from lab.models.models import ModelVersion
from lab.storage import VersionInfo
from lab.zones.rules import Promotion

NUMERIC_FEATURES = frozenset({"numeric"})


def metric_gates(version: ModelVersion, name: str, rules: Promotion) -> list[dict[str, Any]]:
    limits = (
        ("auc", rules.min_auc, "min"),
        ("ks", rules.min_ks, "min"),
        ("psi", rules.max_psi, "max"),
    )
    found: list[dict[str, Any]] = []
    for metric, limit, side in limits:
        if limit is None:
            continue
        value = _metric(version.metrics, name, metric)
        gate = f"metric:{metric}"
        if value is None:
            detail = f"no {metric} metric ({name}_{metric} or {metric}): run a validation job"
            found.append(_gate(gate, False, detail))
            continue
        ok = value >= limit if side == "min" else value <= limit
        sign = ">=" if side == "min" else "<="
        verdict = "meets" if ok else "fails"
        found.append(_gate(gate, ok, f"{metric} {value:.4f} {verdict} {sign} {limit}"))
    return found


def schema_gate(version: ModelVersion, dataset: VersionInfo) -> dict[str, Any]:
    columns = {c["name"]: c["type"] for c in dataset.columns}
    problems = []
    for feature in version.input_schema:
        name, kind = feature["name"], feature.get("type", "numeric")
        stored = columns.get(name)
        if stored is None:
            problems.append(
                f"feature {name!r} is not a column of {dataset.name} v{dataset.version}"
            )
        elif not _compatible(kind, stored):
            problems.append(f"feature {name!r} is {kind}, the production column is {stored}")
    if problems:
        return _gate("schema", False, "; ".join(problems))
    detail = f"{len(version.input_schema)} features found in {dataset.name} v{dataset.version}"
    return _gate("schema", True, detail)


def artifact_gate(
    lab: Lab, version: ModelVersion, artifact: bytes, rules: Promotion
) -> dict[str, Any]:
    features = [f["name"] for f in version.input_schema]
    training = _training(lab, version, features)
    findings = check_artifact(version.flavour, artifact, training, rules.min_leaf_records, features)
    errors = [f.message for f in findings if f.severity == ERROR]
    warnings = [f.message for f in findings if f.severity != ERROR]
    if errors:
        return _gate("artifact", False, "; ".join(errors)[:2000])
    detail = "no embedded data found" + (f" (warnings: {'; '.join(warnings)})" if warnings else "")
    return _gate("artifact", True, detail[:2000])


def failures(gates: list[dict[str, Any]]) -> list[str]:
    return [f"{g['gate']}: {g['detail']}" for g in gates if not g["passed"]]


def _training(lab: Lab, version: ModelVersion, features: list[str]) -> pa.Table | None:
    """The training records the lineage names, when it names exactly one input that is
    still there and has the features; otherwise None (the checks then say `unverified`)."""
    inputs = [i for i in version.inputs.values() if isinstance(i, dict) and i.get("version_id")]
    if len(inputs) != 1:
        return None
    try:
        with lab.read() as session:
            table = lab.store.read_table(session, str(inputs[0]["version_id"]))
    except (LabError, OSError, pa.ArrowException):  # destroyed or unreadable: `unverified`
        return None
    present = [f for f in features if f in table.column_names]
    if version.target and version.target in table.column_names:
        present.append(version.target)
    return table.select(present) if present else None


def _compatible(kind: str, stored: str) -> bool:
    numeric = stored.startswith(("int", "uint", "float", "double", "decimal", "bool", "halffloat"))
    text = stored in ("string", "large_string", "utf8", "large_utf8") or stored.startswith(
        "dictionary<values=string"
    )
    return numeric if kind in NUMERIC_FEATURES else text


def _metric(metrics: dict[str, Any], name: str, metric: str) -> float | None:
    for key in (f"{name}_{metric}", metric):
        value = metrics.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if math.isfinite(value):
            return float(value)
    return None


def _gate(gate: str, passed: bool, detail: str) -> dict[str, Any]:
    return {"gate": gate, "passed": passed, "detail": detail[:2000]}


__all__ = ["artifact_gate", "failures", "metric_gates", "schema_gate"]
