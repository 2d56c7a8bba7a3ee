"""What the registry checks of a model folder a job left, before it registers anything.

The folder (`outputs/models/<name>/`, read into memory) must hold exactly `model.json` and
the artifact it names, in one of the safe flavours, and nothing else: a pickle, a joblib
file or any unknown file refuses the model. The artifact is read with parsers that run no
code (a protobuf parse and the ONNX checker, a line-by-line read of LightGBM's text, JSON),
and what it needs is compared with what `model.json` declares. `model.json` is the job's
word; the artifact is the evidence.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import onnx

from jobs.models.formats import onnx_graph
from jobs.models.formats.errors import ModelInvalid

ARTIFACTS = {"onnx": "model.onnx", "lightgbm": "model.txt", "scorecard": "scorecard.json"}
DESCRIPTION = "model.json"
SCORECARD_FORMAT = "lab-scorecard/1"
MAX_DESCRIPTION_BYTES = 1024 * 1024
MAX_ARTIFACT_BYTES = 512 * 1024 * 1024
FEATURE_TYPES = ("numeric", "categorical")


class ModelRefused(Exception):
    """The folder is not a safe model; `rule` names the check, the message says why."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class CheckedModel:
    """A model folder that passed: the artifact's bytes and what it was found to be."""

    flavour: str
    artifact_name: str
    artifact: bytes
    features: list[dict[str, str]]
    target: str | None
    classes: list[Any] | None
    library: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)


def check_model_folder(files: Mapping[str, bytes]) -> CheckedModel:
    """The checked model of a folder's files (name -> content), or ModelRefused."""
    if DESCRIPTION not in files:
        raise ModelRefused(
            "model_format",
            f"no {DESCRIPTION}: save models with labjob.save_model (ONNX, LightGBM text or "
            "a scorecard); pickle and joblib files are never accepted",
        )
    meta = _description(files[DESCRIPTION])
    flavour, artifact_name = meta["flavour"], meta["artifact"]
    others = sorted(set(files) - {DESCRIPTION, artifact_name})
    if others:
        raise ModelRefused(
            "model_files",
            f"the model folder holds files that are not its artifact: {', '.join(others[:10])}"
            " (only model.json and the artifact; pickle and joblib are never accepted)",
        )
    if artifact_name not in files:
        raise ModelRefused("model_format", f"the artifact {artifact_name} is missing")
    artifact = files[artifact_name]
    if len(artifact) > MAX_ARTIFACT_BYTES:
        raise ModelRefused("model_size", f"the artifact exceeds {MAX_ARTIFACT_BYTES} bytes")
    declared: list[dict[str, str]] = meta["features"]
    reader = {"onnx": _onnx, "lightgbm": _lightgbm, "scorecard": _scorecard}[flavour]
    details = reader(artifact, declared)
    return CheckedModel(
        flavour=flavour,
        artifact_name=artifact_name,
        artifact=artifact,
        features=declared,
        target=meta.get("target") if isinstance(meta.get("target"), str) else None,
        classes=meta.get("classes") if isinstance(meta.get("classes"), list) else None,
        library=_library(meta.get("library")),
        details=details,
    )


def _description(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_DESCRIPTION_BYTES:
        raise ModelRefused("model_format", f"{DESCRIPTION} exceeds {MAX_DESCRIPTION_BYTES} bytes")
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ModelRefused("model_format", f"{DESCRIPTION} is not JSON") from None
    if not isinstance(meta, dict):
        raise ModelRefused("model_format", f"{DESCRIPTION} is not a JSON object")
    flavour = meta.get("flavour")
    if flavour not in ARTIFACTS:
        raise ModelRefused(
            "model_format",
            f"flavour {str(flavour)[:40]!r} is not one the lab loads (onnx, lightgbm, scorecard)",
        )
    if meta.get("artifact") != ARTIFACTS[flavour]:
        raise ModelRefused("model_format", f"a {flavour} model's artifact is {ARTIFACTS[flavour]}")
    meta["features"] = _features(meta.get("features"))
    return meta


def _features(raw: object) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        raise ModelRefused("model_schema", "model.json lists no features")
    found = []
    for feature in raw:
        if (
            not isinstance(feature, dict)
            or not isinstance(feature.get("name"), str)
            or not 0 < len(feature["name"]) <= 255
            or feature.get("type") not in FEATURE_TYPES
        ):
            raise ModelRefused("model_schema", "each feature needs a name and a type")
        found.append({"name": feature["name"], "type": feature["type"]})
    if len({f["name"] for f in found}) != len(found):
        raise ModelRefused("model_schema", "a feature is named twice")
    return found


def _library(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {"name": "unknown", "version": "unknown"}
    return {k: str(raw.get(k, "unknown"))[:100] for k in ("name", "version")}


def _mismatch(what: str) -> ModelRefused:
    return ModelRefused("model_schema", f"model.json does not match the artifact: {what}")


def _onnx(artifact: bytes, declared: list[dict[str, str]]) -> dict[str, Any]:
    try:
        # a protobuf parse (no code runs), then the domains and external data of every
        # graph and subgraph, before the checker, which would look for files beside it
        model = onnx_graph.parse(artifact)
    except ModelInvalid as exc:
        raise ModelRefused("model_format", str(exc)) from None
    graph = model.graph
    try:
        onnx.checker.check_model(model)
    except Exception as exc:  # the checker's ValidationError
        what = type(exc).__name__
        raise ModelRefused("model_format", f"not a valid ONNX model ({what})") from None
    try:
        width = onnx_graph.input_width(model)
    except ModelInvalid as exc:
        raise ModelRefused("model_format", str(exc)) from None
    if width is None:
        raise ModelRefused("model_format", "the 'features' input must be float [None, n]")
    if width != len(declared):
        raise _mismatch(f"the artifact takes {width} features, {len(declared)} declared")
    return {
        "n_features": width,
        "outputs": [o.name for o in graph.output],
        "opset": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "nodes": len(graph.node),
    }


def _lightgbm(artifact: bytes, declared: list[dict[str, str]]) -> dict[str, Any]:
    try:
        text = artifact.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelRefused("model_format", "a LightGBM text model must be UTF-8 text") from None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "tree" or "end of trees" not in text:
        raise ModelRefused("model_format", "not a LightGBM text model")
    header: dict[str, str] = {}
    for line in lines[1:]:
        if line.startswith("Tree=") or not line.strip():
            break
        key, sep, value = line.partition("=")
        if sep:
            header[key] = value
    try:
        n_features = int(header["max_feature_idx"]) + 1
    except (KeyError, ValueError):
        raise ModelRefused("model_format", "the LightGBM model states no feature count") from None
    names = header.get("feature_names", "").split()
    if n_features != len(declared):
        raise _mismatch(f"the artifact takes {n_features} features, {len(declared)} declared")
    if names and names != [f["name"] for f in declared]:
        raise _mismatch("feature names differ from the artifact's")
    return {
        "n_features": n_features,
        "objective": header.get("objective", "")[:100],
        "num_class": int(header.get("num_class", "1") or 1),
        "trees": sum(1 for line in lines if line.startswith("Tree=")),
    }


def _finite(value: object, *, optional: bool = False) -> bool:
    if value is None:
        return optional
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _scorecard(artifact: bytes, declared: list[dict[str, str]]) -> dict[str, Any]:
    try:
        card = json.loads(artifact.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ModelRefused("model_format", "the scorecard is not JSON") from None
    if not isinstance(card, dict) or card.get("format") != SCORECARD_FORMAT:
        raise ModelRefused("model_format", f"the scorecard's format is not {SCORECARD_FORMAT}")
    if not _finite(card.get("base_points")) or not isinstance(card.get("features"), list):
        raise ModelRefused("model_format", "the scorecard needs base_points and features")
    found = []
    bins = 0
    for feature in card["features"]:
        if not isinstance(feature, dict) or feature.get("type") not in FEATURE_TYPES:
            raise ModelRefused("model_format", "each scorecard feature needs a name and a type")
        if not isinstance(feature.get("bins"), list) or not feature["bins"]:
            raise ModelRefused("model_format", f"feature {feature.get('name')!r} has no bins")
        for entry in feature["bins"]:
            if not isinstance(entry, dict) or not _finite(entry.get("points")):
                raise ModelRefused("model_format", "each scorecard bin needs finite points")
        bins += len(feature["bins"])
        found.append({"name": str(feature.get("name")), "type": feature["type"]})
    if found != declared:
        raise _mismatch("the scorecard's features differ from those declared")
    return {"n_features": len(found), "bins": bins}
