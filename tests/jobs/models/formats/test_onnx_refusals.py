"""The obvious ways to make onnxruntime do more than evaluate a standard graph are refused."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from jobs.models.formats import ModelInvalid, load_scorer
from tests.jobs.models.model_factories import FEATURES, lightgbm_text, onnx_bytes


def _model() -> onnx.ModelProto:
    return onnx.load_model_from_string(onnx_bytes())


def _custom_opset(model: onnx.ModelProto) -> None:
    model.opset_import.append(helper.make_opsetid("com.example.evil", 1))


def _custom_node(model: onnx.ModelProto) -> None:
    node = helper.make_node("Shell", ["features"], ["unused"], domain="com.microsoft")
    model.graph.node.append(node)


def _node_in_a_subgraph(model: onnx.ModelProto) -> None:
    inner = helper.make_graph(
        [helper.make_node("Exec", [], ["y"], domain="com.example.evil")],
        "branch",
        [],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    condition = helper.make_tensor("always", TensorProto.BOOL, [], [True])
    model.graph.initializer.append(condition)
    model.graph.node.append(
        helper.make_node("If", ["always"], ["branch_out"], then_branch=inner, else_branch=inner)
    )


def _local_function(model: onnx.ModelProto) -> None:
    function = helper.make_function(
        "ai.onnx.ml", "Rewire", ["x"], ["y"], [helper.make_node("Identity", ["x"], ["y"])],
        [helper.make_opsetid("", 9)],
    )  # fmt: skip
    model.functions.append(function)


def _external_data(model: onnx.ModelProto) -> None:
    tensor = helper.make_tensor("stolen", TensorProto.FLOAT, [4], [0.0] * 4)
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "../../../../etc/shadow"
    model.graph.initializer.append(tensor)


def _renamed_input(model: onnx.ModelProto) -> None:
    model.graph.input[0].name = "x"


def _two_inputs(model: onnx.ModelProto) -> None:
    model.graph.input.append(helper.make_tensor_value_info("extra", TensorProto.FLOAT, [None, 1]))


def _integer_input(model: onnx.ModelProto) -> None:
    model.graph.input[0].type.tensor_type.elem_type = TensorProto.INT64


def _three_classes(model: onnx.ModelProto) -> None:
    for output in model.graph.output:
        if output.name == "probabilities":
            output.type.tensor_type.shape.dim[1].dim_value = 3


CASES: list[tuple[str, Callable[[onnx.ModelProto], None], str]] = [
    ("custom opset", _custom_opset, "domain 'com.example.evil'"),
    ("custom operator", _custom_node, "operator 'Shell' of the domain 'com.microsoft'"),
    ("custom operator in an If branch", _node_in_a_subgraph, "'Exec' of the domain"),
    ("model-local function", _local_function, r"functions of its own \(ai.onnx.ml.Rewire\)"),
    ("external data", _external_data, "'stolen' in an external file"),
    ("input not named features", _renamed_input, "one input named 'features'.*'x'"),
    ("two inputs", _two_inputs, "one input named 'features'"),
    ("integer input", _integer_input, "float tensor of shape"),
    ("three classes", _three_classes, "3 class probabilities"),
]


@pytest.mark.parametrize(
    ("change", "message"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_tampered_graph_is_refused(
    change: Callable[[onnx.ModelProto], None], message: str
) -> None:
    model = _model()
    change(model)
    with pytest.raises(ModelInvalid, match=message):
        load_scorer("onnx", model.SerializeToString(), features=FEATURES)


def test_the_unchanged_graph_loads() -> None:
    assert load_scorer("onnx", _model().SerializeToString(), features=FEATURES).features


def test_zipmap_output_is_refused_with_the_fix() -> None:
    with pytest.raises(ModelInvalid, match="ZipMap disabled"):
        load_scorer("onnx", onnx_bytes(zipmap=True), features=FEATURES)


class _Planted:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("flavour", ["onnx", "lightgbm", "scorecard"])
def test_a_malicious_pickle_is_refused_by_every_flavour_and_never_runs(
    flavour: str, tmp_path: Path
) -> None:
    marker = tmp_path / "pickle-ran"
    payload = pickle.dumps(_Planted(marker))
    with pytest.raises(ModelInvalid):
        load_scorer(flavour, payload, features=FEATURES)
    assert not marker.exists()
    pickle.loads(payload)  # noqa: S301 - the control: the payload does run when unpickled
    assert marker.exists()


@pytest.mark.parametrize(
    ("flavour", "data", "message"),
    [
        ("onnx", b"\x00\x01garbage", "not an ONNX model"),
        ("onnx", b"", "not an ONNX model"),
        ("lightgbm", b"\xff\xfe", "not UTF-8"),
        ("lightgbm", b"{}", "not a LightGBM text model"),
        ("lightgbm", lightgbm_text().replace(b"objective=binary", b"objective=regression"),
         "objective is 'regression'"),
        ("lightgbm", lightgbm_text()[:400], "not a LightGBM text model"),
    ],
    ids=["onnx garbage", "onnx empty", "lightgbm binary", "lightgbm json", "regression",
         "truncated"],
)  # fmt: skip
def test_broken_artifacts_are_refused_clearly(flavour: str, data: bytes, message: str) -> None:
    with pytest.raises(ModelInvalid, match=message):
        load_scorer(flavour, data, features=FEATURES)
