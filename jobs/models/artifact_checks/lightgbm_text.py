"""Reading a LightGBM text model (`Booster.save_model`) as plain text: the header, each
tree's declared leaf populations, and the category strings pandas training leaves behind.

The text is written by the job's code, so nothing here is trusted: the checks compare what
it declares with a recomputation on the training data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

PANDAS_CATEGORICAL = "pandas_categorical:"
# keys whose values are numbers, ids and fixed words of the format (LightGBM's model.cpp and
# tree.cpp): everything else in the text can hold words chosen by the job
NUMERIC_KEYS = frozenset(
    {
        "version", "num_class", "num_tree_per_iteration", "label_index", "max_feature_idx",
        "objective", "feature_infos", "tree_sizes", "Tree", "num_leaves", "num_cat",
        "split_feature", "split_gain", "threshold", "decision_type", "left_child",
        "right_child", "leaf_value", "leaf_weight", "leaf_count", "internal_value",
        "internal_weight", "internal_count", "cat_boundaries", "cat_threshold", "is_linear",
        "shrinkage", "leaf_const", "num_features", "leaf_features", "leaf_coeff",
        "average_output", "monotone_constraints", "feature_names",
    }
)  # fmt: skip


class ModelTextError(ValueError):
    """The text is not a LightGBM model this check can read; the message says why."""


@dataclass(frozen=True)
class TreeText:
    index: int
    num_leaves: int
    leaf_count: tuple[int, ...] | None  # None: the tree states no leaf counts


@dataclass(frozen=True)
class ModelText:
    feature_names: tuple[str, ...]
    feature_infos: tuple[str, ...]  # "[min:max]" numeric, "a:b:c" categorical, "none"
    trees: tuple[TreeText, ...]
    pandas_categorical: tuple[tuple[str, ...], ...]


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in block.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _ints(text: str, what: str) -> tuple[int, ...]:
    try:
        return tuple(int(float(part)) for part in text.split())
    except ValueError:
        raise ModelTextError(f"{what} is not a list of numbers") from None


def _tree(block: str) -> TreeText:
    fields = _fields(block)
    try:
        index, num_leaves = int(fields["Tree"]), int(fields["num_leaves"])
    except (KeyError, ValueError):
        raise ModelTextError("a tree lacks its number or its num_leaves") from None
    counts = fields.get("leaf_count")
    declared = _ints(counts, f"tree {index} leaf_count") if counts is not None else None
    if declared is not None and len(declared) != num_leaves:
        found = len(declared)
        raise ModelTextError(f"tree {index} declares {num_leaves} leaves but {found} counts")
    return TreeText(index, num_leaves, declared)


def _pandas_categorical(text: str) -> tuple[tuple[str, ...], ...]:
    at = text.rfind(PANDAS_CATEGORICAL)
    if at < 0:
        return ()
    line = text[at + len(PANDAS_CATEGORICAL) :].splitlines()[0].strip()
    try:
        parsed = json.loads(line) if line and line != "null" else None
    except json.JSONDecodeError:
        raise ModelTextError("pandas_categorical is not JSON") from None
    if parsed is None:
        return ()
    if not isinstance(parsed, list) or not all(isinstance(p, list) for p in parsed):
        raise ModelTextError("pandas_categorical is not a list of lists")
    return tuple(tuple(str(value) for value in levels) for levels in parsed)


def parse(text: str) -> ModelText:
    """The parts of a LightGBM text model the checks need."""
    if not text.startswith("tree\n"):
        raise ModelTextError("not a LightGBM text model (it must start with 'tree')")
    head, _, rest = text.partition("\nTree=")
    header = _fields(head)
    body, _, _ = ("Tree=" + rest).partition("end of trees")
    blocks = [b for b in body.split("\n\n") if b.strip().startswith("Tree=")] if rest else []
    names = tuple(header.get("feature_names", "").split())
    infos = tuple(header.get("feature_infos", "").split())
    if len(infos) != len(names):
        raise ModelTextError("feature_names and feature_infos differ in length")
    return ModelText(names, infos, tuple(_tree(b) for b in blocks), _pandas_categorical(text))


def free_lines(text: str) -> list[str]:
    """The lines of the text that are not numbers of the format: feature names (one entry
    each), parameters, importances, anything added by hand. pandas_categorical is left to
    the level checks."""
    lines: list[str] = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "feature_names":
            lines += value.split()
        elif not line.strip() or line.startswith(PANDAS_CATEGORICAL):
            continue
        elif not (sep and key.strip() in NUMERIC_KEYS):
            lines.append(line)
    return lines
