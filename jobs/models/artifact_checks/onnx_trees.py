"""ONNX tree ensembles (TreeEnsembleClassifier / TreeEnsembleRegressor, as skl2onnx and
onnxmltools write them): leaf populations recomputed by walking every tree over the
training records in numpy.

The trees' input is the training data itself when the ensemble reads the model's input, or
the output of the operators before it (a scaler, an encoder) computed with onnxruntime in a
child process (`isolated`).
Comparisons happen in the input's precision (float32 for a float tensor), as the runtime
does; a missing value goes to the true branch where `nodes_missing_value_tracks_true` says
so, else to the false branch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import onnx
from onnx import ModelProto, NodeProto

from jobs.models.artifact_checks.onnx_child import intermediate
from jobs.models.artifact_checks.onnx_graph import Feed

TREE_OPERATORS = frozenset({"TreeEnsembleClassifier", "TreeEnsembleRegressor"})
UNSUPPORTED_TREES = frozenset({"TreeEnsemble"})  # ai.onnx.ml opset 5; not written by converters
_MODES = {b"BRANCH_LEQ": 0, b"BRANCH_LT": 1, b"BRANCH_GTE": 2, b"BRANCH_GT": 3}
_MODES |= {b"BRANCH_EQ": 4, b"BRANCH_NEQ": 5, b"LEAF": 6}
LEAF = 6


class TreeError(ValueError):
    """The ensemble's attributes do not describe trees this walk can follow."""


@dataclass(frozen=True)
class Ensemble:
    """All nodes of an ensemble, flat; links are positions in these arrays."""

    tree: npt.NDArray[np.int64]
    feature: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    mode: npt.NDArray[np.int64]
    true_next: npt.NDArray[np.int64]
    false_next: npt.NDArray[np.int64]
    missing_true: npt.NDArray[np.bool_]


def _attributes(node: NodeProto) -> dict[str, object]:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _values(attrs: Mapping[str, object]) -> npt.NDArray[np.float64]:
    if "nodes_values_as_tensor" in attrs:
        tensor = attrs["nodes_values_as_tensor"]
        assert isinstance(tensor, onnx.TensorProto)
        return np.asarray(onnx.numpy_helper.to_array(tensor), np.float64).reshape(-1)
    return np.asarray(attrs.get("nodes_values", []), np.float64)


def ensemble(node: NodeProto) -> Ensemble:
    """The flat node arrays of a tree-ensemble operator."""
    attrs = _attributes(node)
    trees = np.asarray(attrs.get("nodes_treeids", []), np.int64)
    ids = np.asarray(attrs.get("nodes_nodeids", []), np.int64)
    n = len(trees)
    modes_raw = list(attrs.get("nodes_modes", []))  # type: ignore[call-overload]
    value = _values(attrs)
    arrays = [
        np.asarray(attrs.get(name, []), np.int64)
        for name in ("nodes_featureids", "nodes_truenodeids", "nodes_falsenodeids")
    ]
    missing = np.asarray(attrs.get("nodes_missing_value_tracks_true", [0] * n), np.int64)
    if not n or any(len(a) != n for a in (*arrays, ids, value, missing)) or len(modes_raw) != n:
        raise TreeError("the node attributes differ in length or are empty")
    if any(mode not in _MODES for mode in modes_raw):
        raise TreeError("a node has a mode this check does not know")
    position = {(int(t), int(i)): p for p, (t, i) in enumerate(zip(trees, ids, strict=True))}
    if len(position) != n:
        raise TreeError("two nodes share a tree and node id")
    mode = np.array([_MODES[m] for m in modes_raw], np.int64)
    links = []
    for ids_of in arrays[1:]:
        link = np.full(n, -1, np.int64)
        for p in np.flatnonzero(mode != LEAF):
            target = position.get((int(trees[p]), int(ids_of[p])))
            if target is None:
                raise TreeError("a branch points at a node that does not exist")
            link[p] = target
        links.append(link)
    return Ensemble(trees, arrays[0], value, mode, links[0], links[1], missing.astype(bool))


def _roots(trees: Ensemble) -> dict[int, int]:
    """Each tree's root, after checking that the links form trees: one root per tree, one
    parent per other node, every node reachable from its root (so no cycle either)."""
    links = np.concatenate([trees.true_next, trees.false_next])
    parents = np.bincount(links[links >= 0], minlength=len(trees.tree))
    if (parents > 1).any():
        raise TreeError("a node has two parents (the links do not form trees)")
    roots: dict[int, int] = {}
    for p in np.flatnonzero(parents == 0):
        tree = int(trees.tree[p])
        if tree in roots:
            raise TreeError("a tree has two roots, or nodes its root does not reach")
        roots[tree] = int(p)
    if set(roots) != {int(t) for t in trees.tree}:
        raise TreeError("a tree has no root (its links form a cycle)")
    reached = np.zeros(len(trees.tree), dtype=bool)
    for root in roots.values():
        stack = [root]
        while stack:
            node = stack.pop()
            reached[node] = True
            stack += [int(n) for n in (trees.true_next[node], trees.false_next[node]) if n >= 0]
            if len(stack) > len(trees.tree):
                raise TreeError("the links form a cycle")
    if not reached.all():
        raise TreeError("a tree has nodes its root does not reach (its links form a cycle)")
    return roots


def _goes_true(
    x: npt.NDArray[np.floating], threshold: npt.NDArray[np.floating], mode: npt.NDArray[np.int64]
) -> npt.NDArray[np.bool_]:
    with np.errstate(invalid="ignore"):
        result = np.select(
            [mode == 0, mode == 1, mode == 2, mode == 3, mode == 4],
            [x <= threshold, x < threshold, x >= threshold, x > threshold, x == threshold],
            default=x != threshold,
        )
    return np.asarray(result, dtype=bool)


def leaf_populations(trees: Ensemble, x: npt.NDArray[np.floating]) -> list[npt.NDArray[np.int64]]:
    """Training records per leaf, one array per tree (in tree id order, leaves in node
    order), by walking each record down each tree."""
    if x.ndim != 2:
        raise TreeError("the trees' input is not a matrix")
    if len(trees.feature) and trees.feature.max() >= x.shape[1]:
        raise TreeError("a node reads a feature the input does not have")
    precision = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    x = x.astype(precision, copy=False)
    thresholds = trees.value.astype(precision)
    rows = np.arange(len(x))
    populations = []
    for tree, root in sorted(_roots(trees).items()):
        at = np.full(len(x), root, np.int64)
        for _ in range(int((trees.tree == tree).sum()) + 1):
            open_rows = trees.mode[at] != LEAF
            if not open_rows.any():
                break
            nodes = at[open_rows]
            values = x[rows[open_rows], trees.feature[nodes]]
            true = _goes_true(values, thresholds[nodes], trees.mode[nodes])
            true = np.where(np.isnan(values), trees.missing_true[nodes], true)
            at[open_rows] = np.where(true, trees.true_next[nodes], trees.false_next[nodes])
        else:
            raise TreeError("a tree is deeper than its node count (its links form a cycle)")
        leaves = np.flatnonzero((trees.tree == tree) & (trees.mode == LEAF))
        counts = np.bincount(np.searchsorted(leaves, at), minlength=len(leaves))
        populations.append(counts.astype(np.int64))
    return populations


def tree_input(model: ModelProto, node: NodeProto, data: Feed) -> npt.NDArray[np.floating]:
    """The ensemble's input on the training records: fed directly, or computed by running
    the operators before it with onnxruntime in a child process (only for models
    `unsafe_reasons` passes); `isolated.ChildError` when that fails."""
    name = node.input[0]
    if name in data.arrays:
        return np.asarray(data.arrays[name], dtype=np.float64)
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    del probe.graph.output[:]
    probe.graph.output.append(onnx.ValueInfoProto(name=name))
    result = intermediate(probe.SerializeToString(), name, data.arrays)
    if result.dtype.kind not in "fiu":
        raise TreeError("the trees' input is not numeric")
    return np.asarray(result)


def tree_nodes(model: ModelProto) -> list[tuple[int, NodeProto]]:
    return [
        (number, node)
        for number, node in enumerate(model.graph.node)
        if node.op_type in TREE_OPERATORS | UNSUPPORTED_TREES
    ]


def is_tree(node: NodeProto) -> bool:
    return node.op_type in TREE_OPERATORS
