"""The registry's checks of a model folder: what passes, and the obvious ways around them."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from typing import Any

import lightgbm
import numpy as np
import onnx
import pandas as pd
import pytest
from onnx import TensorProto, helper
from sklearn.linear_model import LogisticRegression

from jobs.models.registry_checks import ModelRefused, check_model_folder
from jobs.runtime._models import convert

RNG = np.random.default_rng(3)
X = pd.DataFrame(RNG.normal(size=(200, 2)), columns=["sales", "rating"])
Y = (X["sales"] > 0).astype(int)
FEATURES = [{"name": "sales", "type": "numeric"}, {"name": "rating", "type": "numeric"}]
CARD: dict[str, Any] = {
    "format": "lab-scorecard/1",
    "base_points": 600.0,
    "features": [
        {
            "name": "sales",
            "type": "numeric",
            "missing_points": 0.0,
            "bins": [
                {"lower": None, "upper": 0.0, "points": -10.0, "count": 100},
                {"lower": 0.0, "upper": None, "points": 10.0, "count": 100},
            ],
        },
        {
            "name": "rating",
            "type": "categorical",
            "missing_points": 0.0,
            "bins": [{"categories": ["a", "b"], "points": 5.0, "count": 200}],
        },
    ],
}


def folder(model: object, features: Any = None) -> dict[str, bytes]:
    flavour, artifact, meta = convert(model, features)
    name = {"onnx": "model.onnx", "lightgbm": "model.txt", "scorecard": "scorecard.json"}[flavour]
    description = {"name": "m", "flavour": flavour, "artifact": name, **meta, "target": "bad"}
    return {name: artifact, "model.json": json.dumps(description).encode()}


def onnx_folder() -> dict[str, bytes]:
    return folder(LogisticRegression().fit(X, Y))


def lgbm_folder() -> dict[str, bytes]:
    return folder(lightgbm.LGBMClassifier(n_estimators=3, verbose=-1).fit(X, Y))


def with_meta(files: dict[str, bytes], **changes: Any) -> dict[str, bytes]:
    meta = json.loads(files["model.json"])
    meta.update(changes)
    return {**files, "model.json": json.dumps(meta).encode()}


def tampered_onnx(change: Callable[[onnx.ModelProto], None]) -> dict[str, bytes]:
    files = onnx_folder()
    model = onnx.ModelProto.FromString(files["model.onnx"])
    change(model)
    return {**files, "model.onnx": model.SerializeToString()}


def _external(model: onnx.ModelProto) -> None:
    tensor = helper.make_tensor("w", TensorProto.FLOAT, [1], [1.0])
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "../../../../etc/shadow"
    model.graph.initializer.append(tensor)


def _custom_op(model: onnx.ModelProto) -> None:
    model.opset_import.append(helper.make_opsetid("com.evil", 1))
    model.graph.node.append(helper.make_node("Run", ["features"], ["x"], domain="com.evil"))


def _custom_op_in_a_branch(model: onnx.ModelProto) -> None:
    """A custom operator hidden in the body of an `If`, under a standard opset import."""
    evil = helper.make_node("Run", [], ["y"], domain="com.evil")
    branch = helper.make_graph(
        [evil], "branch", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])]
    )
    condition = helper.make_tensor("c", TensorProto.BOOL, [], [True])
    model.graph.initializer.append(condition)
    model.graph.node.append(
        helper.make_node("If", ["c"], ["z"], then_branch=branch, else_branch=branch)
    )


def _rename_input(model: onnx.ModelProto) -> None:
    model.graph.input[0].name = "X"
    for node in model.graph.node:
        node.input[:] = ["X" if i == "features" else i for i in node.input]


def test_each_safe_flavour_passes_with_what_the_artifact_holds() -> None:
    onnx_model = check_model_folder(onnx_folder())
    assert (onnx_model.flavour, onnx_model.details["n_features"]) == ("onnx", 2)
    assert onnx_model.details["outputs"] == ["label", "probabilities"]
    gbm = check_model_folder(lgbm_folder())
    assert (gbm.flavour, gbm.details["trees"], gbm.features) == ("lightgbm", 3, FEATURES)
    assert gbm.details["objective"].startswith("binary")
    card = check_model_folder(folder(CARD))
    assert (card.flavour, card.details["bins"]) == ("scorecard", 3)


PICKLED = pickle.dumps({"w": [1, 2]})

REFUSED: list[tuple[str, Callable[[], dict[str, bytes]], str]] = [
    ("a lone pickle", lambda: {"model.pkl": PICKLED}, "model_format"),
    ("a pickle beside a good model", lambda: {**onnx_folder(), "x.pkl": PICKLED}, "model_files"),
    ("a joblib beside a good model", lambda: {**lgbm_folder(), "m.joblib": b"x"}, "model_files"),
    (
        "a pickle called model.onnx",
        lambda: {**onnx_folder(), "model.onnx": PICKLED},
        "model_format",
    ),
    ("a pickle called model.txt", lambda: {**lgbm_folder(), "model.txt": PICKLED}, "model_format"),
    (
        "an unknown flavour",
        lambda: with_meta(onnx_folder(), flavour="pickle", artifact="model.pkl"),
        "model_format",
    ),
    (
        "the wrong artifact name",
        lambda: with_meta(onnx_folder(), artifact="model.pkl"),
        "model_format",
    ),
    ("external data", lambda: tampered_onnx(_external), "model_format"),
    ("a custom operator domain", lambda: tampered_onnx(_custom_op), "model_format"),
    (
        "a custom operator inside a subgraph",
        lambda: tampered_onnx(_custom_op_in_a_branch),
        "model_format",
    ),
    ("an input not named features", lambda: tampered_onnx(_rename_input), "model_format"),
    (
        "one feature fewer declared (onnx)",
        lambda: with_meta(onnx_folder(), features=FEATURES[:1]),
        "model_schema",
    ),
    (
        "renamed features (lightgbm)",
        lambda: with_meta(lgbm_folder(), features=FEATURES[::-1]),
        "model_schema",
    ),
    (
        "a scorecard bin without points",
        lambda: (
            folder(CARD)
            | {
                "scorecard.json": json.dumps(
                    {**CARD, "features": [{**CARD["features"][0], "bins": [{"lower": None}]}]}
                ).encode()
            }
        ),
        "model_format",
    ),
    (
        "a scorecard whose features differ from model.json",
        lambda: with_meta(folder(CARD), features=FEATURES),
        "model_schema",
    ),
    ("no features declared", lambda: with_meta(onnx_folder(), features=[]), "model_schema"),
    ("model.json is not JSON", lambda: {**onnx_folder(), "model.json": PICKLED}, "model_format"),
]


@pytest.mark.parametrize(("label", "make", "rule"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_folder_that_is_not_a_safe_model_is_refused(
    label: str, make: Callable[[], dict[str, bytes]], rule: str
) -> None:
    with pytest.raises(ModelRefused) as refused:
        check_model_folder(make())
    assert refused.value.rule == rule, refused.value.message
