"""`labjob.save_model`: a trained model leaves the job only in a format that loads without
running code.

- a scikit-learn estimator or pipeline -> ONNX (skl2onnx; one float input "features" of shape
  [None, n_features], classifier outputs `label` and `probabilities`, no zipmap);
- a LightGBM Booster or LGBM estimator -> LightGBM's text model;
- an optbinning Scorecard, or a dict already in the `lab-scorecard/1` format -> JSON.

Anything else is refused: pickle and joblib files are never accepted by the lab. The model
goes to `outputs/models/<name>/` as the artifact and `model.json` (its flavour, features,
target, classes and the library that wrote it), which the lab checks against the artifact.
"""

from __future__ import annotations

import importlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SCORECARD_FORMAT = "lab-scorecard/1"
ARTIFACTS = {"onnx": "model.onnx", "lightgbm": "model.txt", "scorecard": "scorecard.json"}
FEATURE_TYPES = ("numeric", "categorical")

Features = Sequence[str] | Mapping[str, str] | Sequence[Mapping[str, str]] | None


class ModelNotSaved(TypeError):
    """The model cannot be saved in a safe format; the message says what to do instead."""


def _module_of(obj: object) -> str:
    return type(obj).__module__.split(".")[0]


def _refuse(model: object) -> ModelNotSaved:
    kind = f"{type(model).__module__}.{type(model).__qualname__}"
    return ModelNotSaved(
        f"cannot save {kind} safely: save a scikit-learn, LightGBM or scorecard model; "
        "pickle is never accepted"
    )


def _feature_list(features: Features) -> list[dict[str, str]] | None:
    if features is None:
        return None
    if isinstance(features, Mapping):
        found = [{"name": str(k), "type": str(v)} for k, v in features.items()]
    else:
        found = [
            {"name": str(f["name"]), "type": str(f.get("type", "numeric"))}
            if isinstance(f, Mapping)
            else {"name": str(f), "type": "numeric"}
            for f in features
        ]
    for feature in found:
        if feature["type"] not in FEATURE_TYPES:
            raise ValueError(f"feature {feature['name']!r}: type must be numeric or categorical")
    if len({f["name"] for f in found}) != len(found):
        raise ValueError("features: a feature is named twice")
    return found


def _named(names: Sequence[str] | None, count: int, given: list[dict[str, str]] | None) -> Any:
    if given is not None:
        if len(given) != count:
            raise ValueError(f"features: {len(given)} given, the model takes {count}")
        return given
    names = list(names) if names is not None else [f"f{i}" for i in range(count)]
    return [{"name": str(n), "type": "numeric"} for n in names]


def _classes(model: object) -> list[Any] | None:
    classes = getattr(model, "classes_", None)
    if classes is None:
        return None
    return [c.item() if hasattr(c, "item") else c for c in classes]


def _version(package: str) -> dict[str, str]:
    module = importlib.import_module(package)
    return {"name": package, "version": str(getattr(module, "__version__", "unknown"))}


def _lightgbm(model: Any, given: list[dict[str, str]] | None) -> tuple[bytes, dict[str, Any]]:
    booster = model.booster_ if hasattr(model, "booster_") else model
    names = booster.feature_name()
    features = _named(names, booster.num_feature(), given)
    text = booster.model_to_string()
    meta = {"features": features, "classes": _classes(model), "library": _version("lightgbm")}
    return text.encode("utf-8"), meta


def _final_step(model: Any) -> Any:
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def _sklearn(model: Any, given: list[dict[str, str]] | None) -> tuple[bytes, dict[str, Any]]:
    skl2onnx = importlib.import_module("skl2onnx")
    types = importlib.import_module("skl2onnx.common.data_types")
    base = importlib.import_module("sklearn.base")
    count = getattr(model, "n_features_in_", None)
    if count is None:
        raise ModelNotSaved(f"cannot save {type(model).__name__}: fit it before saving")
    features = _named(getattr(model, "feature_names_in_", None), int(count), given)
    final = _final_step(model)
    options = {id(final): {"zipmap": False}} if base.is_classifier(final) else None
    try:
        onnx_model = skl2onnx.convert_sklearn(
            model,
            initial_types=[("features", types.FloatTensorType([None, int(count)]))],
            options=options,
        )
    except Exception as exc:  # skl2onnx raises many kinds for what it cannot convert
        raise ModelNotSaved(
            f"cannot convert {type(model).__name__} to ONNX ({type(exc).__name__}: {exc}); "
            "save a model skl2onnx supports, a LightGBM model or a scorecard"
        ) from None
    meta = {"features": features, "classes": _classes(final), "library": _version("sklearn")}
    return onnx_model.SerializeToString(), meta


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def check_scorecard(card: Mapping[str, Any]) -> list[dict[str, str]]:
    """The features of a scorecard in the `lab-scorecard/1` format; ValueError if it is not."""
    if card.get("format") != SCORECARD_FORMAT:
        raise ValueError(f"a scorecard dict needs format {SCORECARD_FORMAT!r}")
    if not isinstance(card.get("base_points"), int | float):
        raise ValueError("scorecard: base_points must be a number")
    features = card.get("features")
    if not isinstance(features, list) or not features:
        raise ValueError("scorecard: features must be a non-empty list")
    found = []
    for feature in features:
        if not isinstance(feature, Mapping) or not isinstance(feature.get("bins"), list):
            raise ValueError("scorecard: each feature needs a name, a type and bins")
        kind = feature.get("type")
        if kind not in FEATURE_TYPES or not isinstance(feature.get("name"), str):
            raise ValueError("scorecard: each feature needs a name and a type")
        found.append({"name": feature["name"], "type": kind})
    return found


def _optbinning_card(card: Any) -> dict[str, Any]:
    """An optbinning Scorecard as `lab-scorecard/1`: each selected variable's bins with
    their points (optbinning spreads the intercept over the variables: base 0)."""
    table = card.table(style="detailed")
    process = card.binning_process_
    features = []
    for name in dict.fromkeys(table["Variable"]):
        rows = table[table["Variable"] == name]
        optb = process.get_binned_variable(name)
        regular = rows[~rows["Bin"].astype(str).isin(["Special", "Missing"])]
        points = [float(p) for p in regular["Points"]]
        counts = [int(c) for c in regular["Count"]]
        missing = rows[rows["Bin"].astype(str) == "Missing"]["Points"]
        if optb.dtype == "categorical":
            bins = [
                {"categories": [str(c) for c in cats], "points": p, "count": n}
                for cats, p, n in zip(optb.splits, points, counts, strict=False)
            ]
            kind = "categorical"
        else:
            edges = [None, *(_number(s) for s in optb.splits), None]
            bins = [
                {"lower": edges[i], "upper": edges[i + 1], "points": p, "count": n}
                for i, (p, n) in enumerate(zip(points, counts, strict=False))
            ]
            kind = "numeric"
        features.append(
            {
                "name": str(name),
                "type": kind,
                "bins": bins,
                "missing_points": float(missing.iloc[0]) if len(missing) else 0.0,
            }
        )
    return {"format": SCORECARD_FORMAT, "base_points": 0.0, "features": features}


def _scorecard(model: Any) -> tuple[bytes, dict[str, Any]]:
    if isinstance(model, Mapping):
        card = dict(model)
        library = {"name": "labjob", "version": SCORECARD_FORMAT}
    else:
        card = _optbinning_card(model)
        library = _version("optbinning")
    features = check_scorecard(card)
    text = json.dumps(card, indent=2, sort_keys=True, allow_nan=False)
    return text.encode("utf-8"), {"features": features, "classes": [0, 1], "library": library}


def convert(model: object, features: Features = None) -> Any:
    """(flavour, artifact bytes, metadata) of `model`, or ModelNotSaved."""
    given = _feature_list(features)
    module = _module_of(model)
    if isinstance(model, Mapping) and model.get("format") == SCORECARD_FORMAT:
        return ("scorecard", *_scorecard(model))
    if module == "optbinning" and type(model).__name__ == "Scorecard":
        return ("scorecard", *_scorecard(model))
    if module == "lightgbm" and (hasattr(model, "booster_") or type(model).__name__ == "Booster"):
        return ("lightgbm", *_lightgbm(model, given))
    if module == "sklearn":
        return ("onnx", *_sklearn(model, given))
    raise _refuse(model)


def save(folder: Path, name: str, model: object, features: Features, target: str | None) -> Path:
    flavour, artifact, meta = convert(model, features)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():  # saving again under the same name replaces the model
        if stale.is_file():
            stale.unlink()
    (folder / ARTIFACTS[flavour]).write_bytes(artifact)
    description = {
        "name": name,
        "flavour": flavour,
        "artifact": ARTIFACTS[flavour],
        "features": meta["features"],
        "target": target,
        "classes": meta["classes"],
        "created_by": "labjob.save_model",
        "library": meta["library"],
    }
    (folder / "model.json").write_text(
        json.dumps(description, indent=2, default=str), encoding="utf-8"
    )
    return folder
