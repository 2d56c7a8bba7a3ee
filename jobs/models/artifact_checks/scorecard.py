"""JSON scorecards (`lab-scorecard/1`): bins and category levels recomputed on the training
data. The bins' own `count` is the job's claim, so it is not trusted: every bin is counted
again, a bin under k records is a finding and so is a declared count that differs from the
recomputed one. Numeric bins are [lower, upper) (null: open); missing values score
`missing_points` and belong to no bin. Categories are judged like any embedded level, and
every other string of the file (names, extra keys) is run through the PII recognizers.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa

from jobs.models.artifact_checks.levels import Levels, judge_levels, pii_in_strings
from jobs.models.artifact_checks.model import ERROR, Finding
from jobs.models.artifact_checks.training import numeric, value_counts

FORMAT = "lab-scorecard/1"


class ScorecardError(ValueError):
    """The file is not a scorecard this check can read; the message says why."""


def _refuse_constant(name: str) -> Any:
    raise ScorecardError(f"the scorecard holds {name}, which is not JSON")


def _load(artifact: bytes) -> dict[str, Any]:
    try:
        card = json.loads(artifact.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ScorecardError("not UTF-8 JSON") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise ScorecardError(f"the format is not {FORMAT}")
    features = card.get("features")
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise ScorecardError("features is not a list of objects")
    for feature in features:
        if not isinstance(feature.get("name"), str) or feature.get("type") not in (
            "numeric",
            "categorical",
        ):
            raise ScorecardError("a feature lacks a name or a type (numeric or categorical)")
        bins = feature.get("bins")
        if not isinstance(bins, list) or not all(isinstance(b, dict) for b in bins):
            raise ScorecardError(f"feature {feature['name']}: bins is not a list of objects")
    return card


def _edge(value: object, default: float, feature: str) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScorecardError(f"feature {feature}: a bin edge is not a number")
    return float(value)


def _numeric_counts(feature: dict[str, Any], column: pa.ChunkedArray) -> list[int]:
    values = numeric(column)
    present = values[~np.isnan(values)]
    counts = []
    for bin_ in feature["bins"]:
        lower = _edge(bin_.get("lower"), -math.inf, feature["name"])
        upper = _edge(bin_.get("upper"), math.inf, feature["name"])
        counts.append(int(((present >= lower) & (present < upper)).sum()))
    return counts


def _categories(feature: dict[str, Any]) -> list[list[str]]:
    found = []
    for bin_ in feature["bins"]:
        categories = bin_.get("categories")
        if not isinstance(categories, list):
            raise ScorecardError(f"feature {feature['name']}: a bin has no list of categories")
        found.append([str(c) for c in categories])
    return found


def _bin_findings(feature: dict[str, Any], counts: list[int], k: int) -> list[Finding]:
    name, findings = feature["name"], []
    small = [i for i, count in enumerate(counts) if count < k]
    if small:
        smallest = min(counts[i] for i in small)
        message = (
            f"scorecard feature {name}: {len(small)} of {len(counts)} bins are built from "
            f"fewer than {k} training records (the smallest from {smallest})"
        )
        detail = {"feature": name, "bins": small, "smallest": smallest, "k": k}
        findings.append(Finding("small_bin", ERROR, message, detail))
    declared = [b.get("count") for b in feature["bins"]]
    wrong = [i for i, (d, c) in enumerate(zip(declared, counts, strict=True)) if d not in (None, c)]
    if wrong:
        message = (
            f"scorecard feature {name}: {len(wrong)} bins declare a count other than the "
            "recomputed one (the file was altered, or not built from this data)"
        )
        detail = {"feature": name, "bins": wrong}
        findings.append(Finding("bin_count_mismatch", ERROR, message, detail))
    return findings


def _strings(value: object) -> list[str]:
    """Every string in the JSON (keys included), categories aside."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            found.append(str(key))
            if key != "categories":
                found += _strings(item)
        return found
    return []


def check(artifact: bytes, training: pa.Table | None, k: int, features: list[str]) -> list[Finding]:
    del features  # the scorecard names its own features; each is looked up in the training data
    try:
        card = _load(artifact)
    except ScorecardError as exc:
        return [Finding("unreadable", ERROR, f"the scorecard cannot be read: {exc}")]
    findings = pii_in_strings("strings of the scorecard other than categories", _strings(card))
    if training is None:
        findings.append(Finding("unverified", ERROR, "no training data given: bins not counted"))
    for feature in card["features"]:
        name = feature["name"]
        try:
            categories = _categories(feature) if feature["type"] == "categorical" else None
            column = None
            if training is not None and name in training.column_names:
                column = training.column(name)
            levels_counts: Counter[str] | None = None
            if column is not None and categories is not None:
                levels_counts = value_counts(column)
                counts = [sum(levels_counts.get(c, 0) for c in set(cs)) for cs in categories]
                findings += _bin_findings(feature, counts, k)
            elif column is not None:
                findings += _bin_findings(feature, _numeric_counts(feature, column), k)
            elif training is not None:
                message = f"scorecard feature {name} is not in the training data; not counted"
                findings.append(Finding("unverified", ERROR, message, {"feature": name}))
        except ScorecardError as exc:
            findings.append(Finding("unreadable", ERROR, f"the scorecard cannot be read: {exc}"))
            continue
        if categories is not None:
            where = f"scorecard feature {name} categories"
            values = tuple(dict.fromkeys(c for cs in categories for c in cs))
            findings += judge_levels(Levels(where, name, values), levels_counts, k)
    return findings
