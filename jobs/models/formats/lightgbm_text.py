"""A structural check of LightGBM's text model before LightGBM's own parser sees it.

LightGBM's C++ parser trusts its input: a truncated file or a tree whose sizes and arrays
disagree makes it read past its buffers and abort the whole process. So the text is checked
here first, in plain Python, against what the parser and the predictor rely on:

- the header names a binary objective, `max_feature_idx` and one `tree_sizes` entry per
  tree; the trees sit exactly at those byte offsets (`Tree=0`, `Tree=1`, ...), followed by
  `end of trees`;
- each tree holds only the lines LightGBM writes, every one of them: `num_leaves` = L, the
  split arrays (`split_feature`, `threshold`, `decision_type`, `left_child`, `right_child`,
  `split_gain`, `internal_*`) have L - 1 entries and the leaf arrays L, one space apart,
  numbers finite; features are in range; children point inside the tree (a leaf is ~index).
  LightGBM parses trees in parallel threads, where any error it finds aborts the process;
- categorical splits have consistent `cat_boundaries` / `cat_threshold`;
- linear trees (`is_linear=1`) are refused: the lab scores plain tree ensembles;
- after the trees, only complete lines of the shapes LightGBM writes (importances, the
  parameters block, `pandas_categorical:null`, or `[]` when fitted on a frame without
  categories).
"""

from __future__ import annotations

import math
import re

from jobs.models.formats.errors import ModelInvalid

MAX_TREES = 100_000
MAX_LEAVES = 1 << 17
_KEY_VALUE = re.compile(r"^([a-z_]+)=(.*)$")
END = b"end of trees"
_SPLIT_ARRAYS = ("split_gain", "internal_value", "internal_weight", "internal_count")
_LEAF_ARRAYS = ("leaf_weight", "leaf_count")
_TREE_KEYS = frozenset(
    {"num_leaves", "num_cat", "split_feature", "threshold", "decision_type", "left_child"}
    | {"right_child", "leaf_value", "cat_boundaries", "cat_threshold", "is_linear"}
    | {"shrinkage", *_SPLIT_ARRAYS, *_LEAF_ARRAYS}
)
_PARAMETER = re.compile(r"^\[[a-z_0-9]+: [^\]\n]*\]$")
_IMPORTANCE = re.compile(r"^[^=\n]+=[0-9]+$")


def check(data: bytes) -> None:
    """ModelInvalid if `data` is not a well-formed binary LightGBM text model."""
    start = data.find(b"\nTree=0\n")
    if not data.startswith(b"tree\n") or start < 0:
        raise ModelInvalid("the artifact is not a LightGBM text model (Booster.save_model)")
    header = _fields(data[:start].decode("utf-8"))
    objective = header.get("objective", "none").split(" ")[0]
    if objective != "binary":
        raise ModelInvalid(
            f"the LightGBM model's objective is {objective!r}: the lab scores binary models"
        )
    if header.get("num_class", "1") != "1" or header.get("num_tree_per_iteration", "1") != "1":
        raise ModelInvalid("the LightGBM model must have one class output (binary)")
    features = _int(header, "max_feature_idx", "header") + 1
    if len(header.get("feature_names", "").split(" ")) != features:
        raise ModelInvalid("the LightGBM model's feature_names do not match max_feature_idx")
    sizes = [_to_int(s, "tree_sizes") for s in header.get("tree_sizes", "").split()]
    if not 0 < len(sizes) <= MAX_TREES or min(sizes) <= 0:
        raise ModelInvalid("the LightGBM model's tree_sizes are missing or malformed")
    offset = start + 1
    for number, size in enumerate(sizes):
        block = data[offset : offset + size]
        if len(block) != size or not block.startswith(f"Tree={number}\n".encode()):
            raise ModelInvalid(f"the LightGBM model is truncated or altered at tree {number}")
        _check_tree(block.decode("utf-8"), number, features)
        offset += size
    footer = data[offset:].lstrip(b"\n")
    if not footer.startswith(END):
        raise ModelInvalid("the LightGBM model does not end its trees where tree_sizes says")
    _check_footer(footer[len(END) :].decode("utf-8"))


def _check_footer(text: str) -> None:
    """After the trees: feature importances, the parameters block, `pandas_categorical:null`,
    each line complete (a cut parameter line crashes LightGBM's parser)."""
    lines = [line for line in text.split("\n") if line]
    in_parameters = False
    for line in lines:
        if line == "parameters:":
            in_parameters = True
        elif line == "end of parameters":
            in_parameters = False
        elif in_parameters and not _PARAMETER.match(line):
            raise ModelInvalid(f"the LightGBM model has a malformed parameter line {line[:40]!r}")
        elif not in_parameters and line.startswith("pandas_categorical:"):
            if line not in ("pandas_categorical:null", "pandas_categorical:[]"):
                raise ModelInvalid(
                    "the LightGBM model maps pandas categories: the lab scores numeric features"
                )
        elif not in_parameters and not (line == "feature_importances:" or _IMPORTANCE.match(line)):
            raise ModelInvalid(f"the LightGBM model has an unexpected line {line[:40]!r}")
    if in_parameters:
        raise ModelInvalid("the LightGBM model's parameters block is cut short")


def _check_tree(block: str, number: int, features: int) -> None:
    where = f"tree {number}"
    lines = [line for line in block.split("\n")[1:] if line]
    tree = _fields("\n".join(lines))
    if len(tree) != len(lines) or not set(tree) <= _TREE_KEYS:
        odd = next((line for line in lines if line.split("=")[0] not in _TREE_KEYS), lines[0])
        raise ModelInvalid(f"the LightGBM model's {where} has an unexpected line {odd[:40]!r}")
    if tree.get("is_linear", "0") != "0":
        raise ModelInvalid(f"the LightGBM model has a linear {where}: not supported")
    leaves = _int(tree, "num_leaves", where)
    if not 1 <= leaves <= MAX_LEAVES:
        raise ModelInvalid(f"the LightGBM model's {where} has {leaves} leaves")
    categorical = _int(tree, "num_cat", where)
    _floats(tree, "shrinkage", 1, where)
    _floats(tree, "leaf_value", leaves, where)
    if leaves == 1:
        return
    splits = leaves - 1
    for key in _LEAF_ARRAYS:
        _floats(tree, key, leaves, where)
    for key in _SPLIT_ARRAYS:
        _floats(tree, key, splits, where)
    for feature in _ints(tree, "split_feature", splits, where):
        if not 0 <= feature < features:
            raise ModelInvalid(f"the LightGBM model's {where} splits on feature {feature}")
    for side in ("left_child", "right_child"):
        for child in _ints(tree, side, splits, where):
            if not -leaves <= child < splits:
                raise ModelInvalid(f"the LightGBM model's {where} has a child out of range")
    thresholds = _floats(tree, "threshold", splits, where)
    kinds = _ints(tree, "decision_type", splits, where)
    if categorical < 0:
        raise ModelInvalid(f"the LightGBM model's {where} has a negative num_cat")
    if categorical:
        bounds = _ints(tree, "cat_boundaries", categorical + 1, where)
        if bounds != sorted(bounds) or bounds[0] != 0:
            raise ModelInvalid(f"the LightGBM model's {where} has bad cat_boundaries")
        _ints(tree, "cat_threshold", bounds[-1], where)
    for kind, threshold in zip(kinds, thresholds, strict=True):
        if not 0 <= kind < 16:
            raise ModelInvalid(f"the LightGBM model's {where} has a bad decision_type {kind}")
        if kind & 1 and not (0 <= threshold < categorical and threshold.is_integer()):
            raise ModelInvalid(f"the LightGBM model's {where} has a bad categorical split")


def _fields(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        match = _KEY_VALUE.match(line)
        if match is not None:
            out.setdefault(match.group(1), match.group(2))
    return out


def _to_int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ModelInvalid(f"the LightGBM model has a malformed {what}: {text[:40]!r}") from None


def _int(fields: dict[str, str], key: str, where: str) -> int:
    if key not in fields:
        raise ModelInvalid(f"the LightGBM model's {where} has no {key}")
    return _to_int(fields[key], f"{key} in {where}")


def _tokens(fields: dict[str, str], key: str, where: str) -> list[str]:
    """The space-separated values of `key`: one space between values, as LightGBM writes."""
    if key not in fields:
        raise ModelInvalid(f"the LightGBM model's {where} has no {key}")
    return fields[key].split(" ")


def _ints(fields: dict[str, str], key: str, count: int, where: str) -> list[int]:
    values = [_to_int(v, f"{key} in {where}") for v in _tokens(fields, key, where)]
    if len(values) != count:
        raise ModelInvalid(f"the LightGBM model's {where} has {len(values)} {key}, not {count}")
    return values


def _floats(fields: dict[str, str], key: str, count: int, where: str) -> list[float]:
    try:
        values = [float(v) for v in _tokens(fields, key, where)]
    except ValueError:
        raise ModelInvalid(f"the LightGBM model's {where} has a malformed {key}") from None
    if len(values) != count or not all(math.isfinite(v) for v in values):
        raise ModelInvalid(f"the LightGBM model's {where} needs {count} finite {key} values")
    return values
