"""Reading an ONNX model as data: whether it is safe to evaluate, every string it embeds, its
category levels, and how to feed it the training records.

The model is parsed with `onnx` (protobuf, no code). It is evaluated (onnxruntime, to reach
a tree ensemble's input inside a pipeline) only when `unsafe_reasons`
(jobs.models.formats.onnx_graph, subgraphs included) finds nothing: a custom operator would
need a library loaded, and an external-data path would read a file of the host.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import onnx
import pyarrow as pa
from onnx import AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto

from jobs.models.artifact_checks.levels import Levels
from jobs.models.artifact_checks.training import is_text, numeric, value_counts
from jobs.models.formats.onnx_graph import graphs, tensors

# (operator, attribute) pairs that hold category levels of a feature
LEVEL_ATTRIBUTES = frozenset(
    {
        ("OneHotEncoder", "cats_strings"),
        ("OneHotEncoder", "cats_int64s"),
        ("LabelEncoder", "keys_strings"),
        ("LabelEncoder", "keys_int64s"),
        ("CategoryMapper", "cats_strings"),
        ("CategoryMapper", "cats_int64s"),
        ("DictVectorizer", "string_vocabulary"),
        ("DictVectorizer", "int64_vocabulary"),
    }
)
# operators that pass one input through, possibly picking columns: traced back to a column
_PASS_THROUGH = frozenset(
    {"Identity", "Cast", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Gather", "Slice"}
)
_PICKS_COLUMN = frozenset({"Gather", "ArrayFeatureExtractor"})


def load(artifact: bytes) -> ModelProto:
    """The model, or ValueError when the bytes are not one."""
    try:
        model = onnx.load_model_from_string(artifact)
    except Exception as exc:  # protobuf raises its own DecodeError and friends
        raise ValueError("not an ONNX model") from exc
    if not model.graph.node:
        raise ValueError("the ONNX model has no operators")
    return model


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _level_values(attribute: AttributeProto) -> tuple[str, ...]:
    if attribute.type == AttributeProto.STRINGS:
        return tuple(_decode(s) for s in attribute.strings)
    return tuple(str(int(i)) for i in attribute.ints)


def _producers(graph: GraphProto) -> dict[str, NodeProto]:
    return {output: node for node in graph.node for output in node.output}


def _constant_index(graph: GraphProto, name: str) -> int | None:
    for tensor in graph.initializer:
        if tensor.name == name:
            values = onnx.numpy_helper.to_array(tensor).reshape(-1)
            return int(values[0]) if len(values) == 1 else None
    return None


def _source_column(
    graph: GraphProto, name: str, inputs: list[str], features: list[str]
) -> str | None:
    """The graph input column a tensor is drawn from, following pass-through operators;
    None when it mixes columns or the chain cannot be followed."""
    producers = _producers(graph)
    column: int | None = None
    for _ in range(len(graph.node) + 1):
        if name in inputs:
            if len(inputs) > 1:
                return name
            return features[column] if column is not None and column < len(features) else None
        node = producers.get(name)
        if node is None or node.op_type not in _PASS_THROUGH | _PICKS_COLUMN or not node.input:
            return None
        if node.op_type in _PICKS_COLUMN and len(node.input) > 1:
            picked = _constant_index(graph, node.input[1])
            if picked is None or column is not None:
                return None
            column = picked
        name = node.input[0]
    return None


def _best_overlap(values: tuple[str, ...], training: pa.Table | None) -> str | None:
    if training is None:
        return None
    wanted = set(values)
    best, best_hits = None, 0
    for name in training.column_names:
        hits = len(wanted & set(value_counts(training.column(name))))
        if hits > best_hits:
            best, best_hits = name, hits
    return best


def graph_inputs(model: ModelProto) -> list[str]:
    initializers = {t.name for t in model.graph.initializer}
    return [i.name for i in model.graph.input if i.name not in initializers]


def category_levels(
    model: ModelProto, training: pa.Table | None, features: list[str]
) -> list[Levels]:
    """Every category level list in the model, with the training column it belongs to:
    traced through the graph to an input, else the column sharing most values with it."""
    inputs = graph_inputs(model)
    found = []
    for number, node in enumerate(model.graph.node):
        for attribute in node.attribute:
            if (node.op_type, attribute.name) not in LEVEL_ATTRIBUTES:
                continue
            values = _level_values(attribute)
            if not values:
                continue
            source = node.input[0] if node.input else ""
            column = _source_column(model.graph, source, inputs, features)
            if column is None or (training is not None and column not in training.column_names):
                column = _best_overlap(values, training)
            where = f"operator {number} ({node.op_type}) attribute {attribute.name}"
            found.append(Levels(where, column, values))
    return found


def other_strings(model: ModelProto) -> list[str]:
    """Every other string the model holds: names, documentation, metadata, string
    attributes and tensors, class labels."""
    strings = [model.doc_string, model.producer_name, model.domain]
    strings += [text for prop in model.metadata_props for text in (prop.key, prop.value)]
    for graph in graphs(model.graph):
        strings += [graph.name, graph.doc_string]
        strings += [v.name for v in (*graph.input, *graph.output, *graph.value_info)]
        for node in graph.node:
            strings += [node.name, node.doc_string]
            for attribute in node.attribute:
                if (node.op_type, attribute.name) in LEVEL_ATTRIBUTES:
                    continue
                if attribute.type == AttributeProto.STRING:
                    strings.append(_decode(attribute.s))
                elif attribute.type == AttributeProto.STRINGS:
                    strings += [_decode(s) for s in attribute.strings]
        for tensor in tensors(graph):
            strings.append(tensor.name)
            strings += [_decode(s) for s in tensor.string_data]
    return [s for s in strings if s]


@dataclass(frozen=True)
class Feed:
    """The training records as the model's inputs, by input name."""

    arrays: dict[str, npt.NDArray[np.generic]]


_NUMPY = {
    TensorProto.FLOAT: np.float32,
    TensorProto.DOUBLE: np.float64,
    TensorProto.INT64: np.int64,
    TensorProto.INT32: np.int32,
}


def feed(model: ModelProto, training: pa.Table, features: list[str]) -> Feed | None:
    """Inputs from the training table: one numeric input of all features in order (the
    lab's contract), or one input per column named after it. None if neither fits."""
    inputs = [i for i in model.graph.input if i.name in graph_inputs(model)]
    types = {i.name: i.type.tensor_type.elem_type for i in inputs}
    if len(inputs) == 1 and types[inputs[0].name] in (TensorProto.FLOAT, TensorProto.DOUBLE):
        if not all(f in training.column_names for f in features):
            return None
        dtype = _NUMPY[types[inputs[0].name]]
        rows = np.column_stack([numeric(training.column(f)) for f in features])
        return Feed({inputs[0].name: rows.astype(dtype)})
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    for name, kind in types.items():
        if name not in training.column_names:
            return None
        column = training.column(name)
        if kind == TensorProto.STRING:
            texts = ["" if v is None else str(v) for v in column.cast(pa.string()).to_pylist()]
            arrays[name] = np.array(texts, dtype=object).reshape(-1, 1)
        elif kind in _NUMPY and not is_text(column):
            arrays[name] = numeric(column).astype(_NUMPY[kind]).reshape(-1, 1)
        else:
            return None
    return Feed(arrays)
