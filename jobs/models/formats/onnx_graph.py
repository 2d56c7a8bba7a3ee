"""What an ONNX model must look like before onnxruntime is given it: the one place that
says so, for the registry's check of a job's model, the artifact checks and the scorer.

Parsing the protobuf runs no code; onnxruntime then only executes the graph's operators.
What could make it do more is refused here:

- operators outside the standard domains `ai.onnx` (written "") and `ai.onnx.ml`: a custom
  domain names operators from a library the runtime would have to load;
- model-local functions, which define operators of their own;
- tensors stored as external data: onnxruntime would read them from files named in the
  model, relative to wherever it is loaded;
- an interface other than the lab's contract: one float tensor input named `features` of
  shape [N, n_features], and a float tensor of class probabilities [N, 2] among the outputs
  (converted with ZipMap disabled).

Subgraphs (the bodies of `If`, `Loop`, `Scan`) are checked like the main graph.
"""

from __future__ import annotations

from collections.abc import Iterator

import onnx
from onnx import AttributeProto, GraphProto, ModelProto, TensorProto, ValueInfoProto

from jobs.models.formats.errors import ModelInvalid

STANDARD_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml"})
INPUT_NAME = "features"
PROBABILITIES = "probabilities"


def parse(data: bytes) -> ModelProto:
    """The model in `data`, parsed and checked; ModelInvalid saying what is wrong."""
    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise ModelInvalid(f"the artifact is not an ONNX model: {exc}") from exc
    if not model.HasField("graph"):
        raise ModelInvalid("the artifact is not an ONNX model: it has no graph")
    check_domains(model)
    check_inline_data(model)
    return model


def unsafe_reasons(model: ModelProto) -> list[str]:
    """Every reason the checks below would refuse `model` (empty: onnxruntime may run it)."""
    reasons = []
    for check in (check_domains, check_inline_data):
        try:
            check(model)
        except ModelInvalid as exc:
            reasons.append(str(exc))
    return reasons


def check_domains(model: ModelProto) -> None:
    for opset in model.opset_import:
        if opset.domain not in STANDARD_DOMAINS:
            raise ModelInvalid(
                f"the ONNX model imports the operator domain {opset.domain!r}: only the "
                "standard domains ai.onnx and ai.onnx.ml are allowed"
            )
    if len(model.functions):
        names = ", ".join(sorted(f"{f.domain}.{f.name}" for f in model.functions))
        raise ModelInvalid(f"the ONNX model defines functions of its own ({names}): refused")
    for graph in graphs(model.graph):
        for node in graph.node:
            if node.domain not in STANDARD_DOMAINS:
                raise ModelInvalid(
                    f"the ONNX model uses the operator {node.op_type!r} of the domain "
                    f"{node.domain!r}: only ai.onnx and ai.onnx.ml operators are allowed"
                )


def check_inline_data(model: ModelProto) -> None:
    for graph in graphs(model.graph):
        for tensor in tensors(graph):
            if tensor.data_location == TensorProto.EXTERNAL or len(tensor.external_data):
                raise ModelInvalid(
                    f"the ONNX model keeps the tensor {tensor.name!r} in an external file: "
                    "a model must carry all of its data"
                )


def graphs(graph: GraphProto) -> Iterator[GraphProto]:
    """`graph` and every subgraph held in its nodes' attributes, depth first."""
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == AttributeProto.GRAPH:
                yield from graphs(attribute.g)
            elif attribute.type == AttributeProto.GRAPHS:
                for sub in attribute.graphs:
                    yield from graphs(sub)


def tensors(graph: GraphProto) -> Iterator[TensorProto]:
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield sparse.values
        yield sparse.indices
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == AttributeProto.TENSOR:
                yield attribute.t
            elif attribute.type == AttributeProto.TENSORS:
                yield from attribute.tensors


def input_width(model: ModelProto) -> int | None:
    """The number of features the model takes (None if its shape leaves it open)."""
    constants = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in constants]
    if len(inputs) != 1 or inputs[0].name != INPUT_NAME:
        names = ", ".join(repr(i.name) for i in inputs) or "none"
        raise ModelInvalid(
            f"the ONNX model must take one input named {INPUT_NAME!r} (a float matrix of the "
            f"features), but takes {names}"
        )
    shape = _float_matrix(inputs[0])
    if shape is None:
        raise ModelInvalid(
            f"the ONNX model's input {INPUT_NAME!r} must be a float tensor of shape "
            "[rows, features]"
        )
    return shape[1]


def probability_output(model: ModelProto) -> str:
    """The name of the output holding P(class 0), P(class 1) per row."""
    candidates = [o for o in model.graph.output if _float_matrix(o) is not None]
    named = [o for o in candidates if o.name == PROBABILITIES]
    chosen = named or candidates
    if len(chosen) != 1:
        raise ModelInvalid(
            "the ONNX model must output the class probabilities as one float tensor "
            f"[rows, 2] (named {PROBABILITIES!r}; convert it with ZipMap disabled)"
        )
    shape = _float_matrix(chosen[0])
    if shape is not None and shape[1] not in (None, 2):
        raise ModelInvalid(
            f"the ONNX model outputs {shape[1]} class probabilities: the lab scores binary "
            "models (2 classes)"
        )
    return str(chosen[0].name)


def _float_matrix(value: ValueInfoProto) -> tuple[int | None, int | None] | None:
    """(rows, columns) when `value` is a 2-D float tensor (None for an open dimension)."""
    if value.type.WhichOneof("value") != "tensor_type":
        return None
    tensor = value.type.tensor_type
    if tensor.elem_type != TensorProto.FLOAT or not tensor.HasField("shape"):
        return None
    dims = tensor.shape.dim
    if len(dims) != 2:
        return None
    rows, cols = (d.dim_value if d.HasField("dim_value") else None for d in dims)
    return rows, cols
