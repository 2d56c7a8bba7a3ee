"""LightGBM text models: leaves built from fewer than k training records.

The text states each leaf's population (`leaf_count=`), but job code writes the text and can
write anything there. The populations are recomputed instead: LightGBM itself loads the text
(its text loader parses, it runs no code) and `predict(pred_leaf=True)` puts each training
record in its leaf of every tree, in a child process (`isolated`: the loader can end the
process on a malformed text). A leaf under k records is a finding; so is a declared count
that differs from the recomputed one (a tampered text, or a model not trained on this data;
under bagging or GOSS LightGBM counts only the records sampled for the tree, so there the
difference is a warning; the parameters saying so are the text's claim too, but the leaf
check itself never depends on them).

Category strings that pandas training leaves in the text (`pandas_categorical`) are judged
like any embedded level; every other line that is not numbers of the format (feature names,
parameters, lines added by hand) is run through the PII recognizers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from jobs.models.artifact_checks.isolated import ChildError
from jobs.models.artifact_checks.leaf_counts import small_leaves
from jobs.models.artifact_checks.levels import Levels, judge_levels, pii_in_strings
from jobs.models.artifact_checks.lightgbm_child import leaf_indices
from jobs.models.artifact_checks.lightgbm_text import (
    ModelText,
    ModelTextError,
    free_lines,
    parse,
)
from jobs.models.artifact_checks.model import ERROR, WARNING, Finding
from jobs.models.artifact_checks.training import is_text, numeric, value_counts

_PARAMETER = re.compile(r"^\[(?P<key>[a-z_]+): (?P<value>[^\]]*)\]$", re.MULTILINE)


def _samples_rows(text: str) -> bool:
    """Whether the parameters say each tree saw a sample of the rows (bagging or GOSS)."""
    params = {m["key"]: m["value"].strip() for m in _PARAMETER.finditer(text)}
    bagging = params.get("bagging_freq", "0") not in ("", "0") and params.get(
        "bagging_fraction", "1"
    ) not in ("", "1")
    goss = "goss" in (params.get("data_sample_strategy", ""), params.get("boosting", ""))
    return bagging or goss


def _columns(model: ModelText, training: pa.Table, features: Sequence[str]) -> list[str] | None:
    """Training columns in the model's feature order: by the model's own feature names, or
    the declared features when the model was trained on an unnamed matrix."""
    if model.feature_names and all(n in training.column_names for n in model.feature_names):
        return list(model.feature_names)
    if len(features) == len(model.feature_names) and all(
        f in training.column_names for f in features
    ):
        return list(features)
    return None


def _matrix(
    model: ModelText, training: pa.Table, columns: list[str]
) -> npt.NDArray[np.float64] | None:
    """The training records as LightGBM saw them: text columns as pandas category codes."""
    text_columns = [name for name in columns if is_text(training.column(name))]
    if len(text_columns) != len(model.pandas_categorical):
        return None
    codes = dict(zip(text_columns, model.pandas_categorical, strict=True))
    out = []
    for name in columns:
        column = training.column(name)
        if name not in codes:
            out.append(numeric(column))
            continue
        index = {level: float(i) for i, level in enumerate(codes[name])}
        values = column.cast(pa.string()).to_pylist()
        out.append(np.array([index.get(v, np.nan) if v is not None else np.nan for v in values]))
    return np.column_stack(out) if out else np.zeros((training.num_rows, 0))


def check(artifact: bytes, training: pa.Table | None, k: int, features: list[str]) -> list[Finding]:
    try:
        text = artifact.decode("utf-8")
        model = parse(text)
    except (UnicodeDecodeError, ModelTextError) as exc:
        reason = str(exc) if isinstance(exc, ModelTextError) else "it is not UTF-8 text"
        return [Finding("unreadable", ERROR, f"the LightGBM model cannot be read: {reason}")]
    findings = _range_finding(model)
    where = "the model text outside its numbers (feature names, parameters, other lines)"
    findings += pii_in_strings(where, free_lines(text))
    declared = [tree.leaf_count for tree in model.trees]
    if training is None:
        stated = [np.array(d, np.int64) for d in declared if d is not None]
        message = "no training data given: leaf populations are the model's own claim"
        return [
            *findings,
            Finding("unverified", ERROR, message),
            *small_leaves(stated, k),
            *[
                finding
                for levels in model.pandas_categorical
                for finding in judge_levels(Levels("pandas_categorical", None, levels), None, k)
            ],
        ]
    columns = _columns(model, training, features)
    matrix = _matrix(model, training, columns) if columns is not None else None
    if columns is None or matrix is None:
        message = "the training data does not hold the model's features; leaves not recomputed"
        return [*findings, Finding("unverified", ERROR, message, {"features": len(features)})]
    actual = _recompute(text, model, matrix)
    if isinstance(actual, Finding):
        return [*findings, actual]
    findings += small_leaves(actual, k)
    findings += _mismatch(declared, actual, _samples_rows(text))
    text_columns = [name for name in columns if is_text(training.column(name))]
    for name, levels in zip(text_columns, model.pandas_categorical, strict=True):
        counts = value_counts(training.column(name))
        findings += judge_levels(Levels("pandas_categorical", name, levels), counts, k)
    return findings


def _recompute(
    text: str, model: ModelText, matrix: npt.NDArray[np.float64]
) -> list[npt.NDArray[np.int64]] | Finding:
    try:
        leaves = leaf_indices(text, matrix)
    except ChildError as exc:
        return Finding("unverified", ERROR, f"leaves not recomputed: {exc}")
    if leaves.shape[1] != len(model.trees):
        message = f"the text holds {len(model.trees)} trees, LightGBM loaded {leaves.shape[1]}"
        return Finding("unverified", ERROR, message)
    return [
        np.bincount(leaves[:, i], minlength=tree.num_leaves) for i, tree in enumerate(model.trees)
    ]


def _mismatch(
    declared: list[tuple[int, ...] | None], actual: list[npt.NDArray[np.int64]], sampled: bool
) -> list[Finding]:
    wrong = trees = 0
    for stated, counted in zip(declared, actual, strict=True):
        if stated is None:
            continue
        differs = int((np.array(stated) != counted[: len(stated)]).sum())
        wrong += differs
        trees += bool(differs)
    if not wrong:
        return []
    why = (
        "the model samples rows per tree (bagging or GOSS), so its counts cover a sample"
        if sampled
        else "the text was altered, or the model was not trained on this data"
    )
    message = (
        f"{wrong} leaves in {trees} trees declare a leaf_count other than the recomputed "
        f"population: {why}"
    )
    detail = {"leaves": wrong, "trees": trees, "sampled_rows": sampled}
    return [Finding("leaf_count_mismatch", WARNING if sampled else ERROR, message, detail)]


def _range_finding(model: ModelText) -> list[Finding]:
    ranged = sum(1 for info in model.feature_infos if info.startswith("["))
    if not ranged:
        return []
    message = (
        f"feature_infos state the training minimum and maximum of {ranged} features: the "
        "values of single records"
    )
    return [Finding("feature_range", WARNING, message, {"features": ranged})]
