"""ONNX models: tree leaves under k training records, category levels that are PII or rare,
and PII in any other string the model carries (names, documentation, metadata)."""

from __future__ import annotations

import pyarrow as pa
from onnx import ModelProto

from jobs.models.artifact_checks import onnx_graph, onnx_trees
from jobs.models.artifact_checks.isolated import ChildError
from jobs.models.artifact_checks.leaf_counts import small_leaves
from jobs.models.artifact_checks.levels import judge_levels, pii_in_strings
from jobs.models.artifact_checks.model import ERROR, Finding
from jobs.models.artifact_checks.training import value_counts
from jobs.models.formats.onnx_graph import graphs, unsafe_reasons


def check(artifact: bytes, training: pa.Table | None, k: int, features: list[str]) -> list[Finding]:
    try:
        model = onnx_graph.load(artifact)
    except ValueError as exc:
        return [Finding("unreadable", ERROR, f"the ONNX model cannot be read: {exc}")]
    findings: list[Finding] = []
    unsafe = unsafe_reasons(model)
    if unsafe:
        message = f"the ONNX model is not evaluated here: {'; '.join(unsafe)}"
        findings.append(Finding("unsafe_model", ERROR, message, {"reasons": unsafe}))
    for levels in onnx_graph.category_levels(model, training, features):
        counts = None
        if training is not None and levels.feature is not None:
            counts = value_counts(training.column(levels.feature))
        findings += judge_levels(levels, counts, k)
    where = "strings elsewhere in the model (names, documentation, metadata, attributes)"
    findings += pii_in_strings(where, onnx_graph.other_strings(model))
    findings += _trees(model, training, k, features, evaluate=not unsafe)
    return findings


def _trees(
    model: ModelProto, training: pa.Table | None, k: int, features: list[str], *, evaluate: bool
) -> list[Finding]:
    nested = [
        node.op_type
        for graph in list(graphs(model.graph))[1:]
        for node in graph.node
        if node.op_type in onnx_trees.TREE_OPERATORS | onnx_trees.UNSUPPORTED_TREES
    ]
    nodes = onnx_trees.tree_nodes(model)
    if not nodes and not nested:
        return []
    if nested or not all(onnx_trees.is_tree(node) for _, node in nodes):
        message = "the model holds trees this check cannot walk (inside a subgraph, or opset 5)"
        return [Finding("unverified", ERROR, message)]
    if training is None:
        message = "no training data given: the trees' leaf populations are not known"
        return [Finding("unverified", ERROR, message, {"ensembles": len(nodes)})]
    data = onnx_graph.feed(model, training, features)
    if data is None:
        message = "the training data cannot be fed to the model's inputs; leaves not recomputed"
        return [Finding("unverified", ERROR, message, {"features": len(features)})]
    findings = []
    for number, node in nodes:
        where = f"operator {number} ({node.op_type})"
        if not evaluate and node.input[0] not in data.arrays:
            message = f"{where}: its input needs the model evaluated; leaves not recomputed"
            findings.append(Finding("unverified", ERROR, message, {"where": where}))
            continue
        try:
            trees = onnx_trees.ensemble(node)
            x = onnx_trees.tree_input(model, node, data)
            populations = onnx_trees.leaf_populations(trees, x)
        except onnx_trees.TreeError as exc:
            message = f"{where}: leaves not recomputed: {exc}"
            findings.append(Finding("unverified", ERROR, message, {"where": where}))
            continue
        except ChildError as exc:
            message = f"{where}: the trees' input could not be computed: {exc}"
            findings.append(Finding("unverified", ERROR, message, {"where": where}))
            continue
        findings += small_leaves(populations, k, where=where)
    return findings
