"""ONNX models: tree leaves recounted by walking the trees over the training data, category
levels and every other embedded string judged by the PII recognizers."""

from __future__ import annotations

import warnings

import lightgbm as lgb
import numpy as np
import onnx
import pandas as pd
import pyarrow as pa
import pytest
from onnx import TensorProto, helper
from onnxmltools import convert_lightgbm
from onnxmltools.convert.common.data_types import FloatTensorType as MltFloat
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.base import is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from jobs.models.artifact_checks import ERROR, Finding, check_artifact
from jobs.models.artifact_checks.onnx_graph import load
from jobs.models.artifact_checks.onnx_trees import ensemble, leaf_populations
from tests.connectors.pii._make import prc_id

K = 10
FEATURES = ["sales", "refunds", "tenure"]


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, pa.Table]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x[:, 0] + rng.normal(size=n) > 0).astype(int)
    return x, y, pa.table({name: x[:, i] for i, name in enumerate(FEATURES)})


def _onnx(model: object, n_features: int = 3) -> bytes:
    types = [("features", FloatTensorType([None, n_features]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        options = {"zipmap": False} if is_classifier(model) else None
        proto = convert_sklearn(model, initial_types=types, options=options)
    return proto.SerializeToString()  # type: ignore[no-any-return]


def _errors(findings: list[Finding]) -> dict[str, Finding]:
    return {f.kind: f for f in findings if f.severity == ERROR}


def test_a_decision_tree_with_leaves_of_one_record_is_flagged() -> None:
    x, y, table = _data(300)
    tree = DecisionTreeClassifier(min_samples_leaf=1, random_state=0).fit(x, y)
    small = _errors(check_artifact("onnx", _onnx(tree), table, K, FEATURES))["small_leaf"]
    assert small.detail["smallest"] == 1
    assert small.detail["leaves"] == tree.get_n_leaves()


def test_a_decision_tree_with_leaves_of_fifty_passes() -> None:
    x, y, table = _data(2000)
    tree = DecisionTreeClassifier(min_samples_leaf=50, random_state=0).fit(x, y)
    assert check_artifact("onnx", _onnx(tree), table, K, FEATURES) == []


def _sklearn_populations(model: object, x: np.ndarray) -> list[list[int]]:
    estimators = getattr(model, "estimators_", [model])
    found = []
    for estimator in estimators:
        leaves = estimator.apply(x)
        is_leaf = estimator.tree_.children_left == -1
        counts = np.bincount(leaves, minlength=len(is_leaf))[is_leaf]
        found.append(sorted(counts.tolist()))
    return found


@pytest.mark.parametrize(
    "model",
    [
        DecisionTreeClassifier(min_samples_leaf=3, random_state=0),
        DecisionTreeRegressor(min_samples_leaf=5, random_state=0),
        RandomForestClassifier(n_estimators=5, min_samples_leaf=4, random_state=0),
    ],
    ids=["tree", "regressor", "forest"],
)
def test_the_numpy_walk_counts_what_sklearn_counts(model: object) -> None:
    x, y, _ = _data(500, seed=3)
    model.fit(x, y)  # type: ignore[attr-defined]
    node = next(n for n in load(_onnx(model)).graph.node if n.op_type.startswith("TreeEnsemble"))
    walked = [sorted(p.tolist()) for p in leaf_populations(ensemble(node), x)]
    assert walked == _sklearn_populations(model, x)


def test_trees_behind_a_scaler_are_walked_on_the_scaled_data() -> None:
    x, y, table = _data(400)
    forest = RandomForestClassifier(n_estimators=10, min_samples_leaf=1, random_state=0)
    pipeline = Pipeline([("scale", StandardScaler()), ("forest", forest)]).fit(x, y)
    small = _errors(check_artifact("onnx", _onnx(pipeline), table, K, FEATURES))["small_leaf"]
    assert small.detail["where"] == "operator 1 (TreeEnsembleClassifier)"
    assert small.detail["leaves"] == sum(e.get_n_leaves() for e in forest.estimators_)


def test_a_lightgbm_model_converted_by_onnxmltools_is_walked_too() -> None:
    x, y, table = _data(60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = lgb.LGBMClassifier(
            n_estimators=3, min_child_samples=1, min_child_weight=0, min_data_in_bin=1, verbose=-1
        ).fit(x, y)
        proto = convert_lightgbm(
            model, initial_types=[("features", MltFloat([None, 3]))], zipmap=False
        )
    findings = check_artifact("onnx", proto.SerializeToString(), table, K, FEATURES)
    assert _errors(findings)["small_leaf"].detail["smallest"] < K


def test_missing_values_follow_missing_value_tracks_true() -> None:
    node = helper.make_node(
        "TreeEnsembleRegressor",
        ["features"],
        ["variable"],
        domain="ai.onnx.ml",
        nodes_treeids=[0, 0, 0],
        nodes_nodeids=[0, 1, 2],
        nodes_featureids=[0, 0, 0],
        nodes_values=[0.5, 0.0, 0.0],
        nodes_modes=["BRANCH_LEQ", "LEAF", "LEAF"],
        nodes_truenodeids=[1, 0, 0],
        nodes_falsenodeids=[2, 0, 0],
        nodes_missing_value_tracks_true=[1, 0, 0],
        target_ids=[0, 0],
        target_nodeids=[1, 2],
        target_treeids=[0, 0],
        target_weights=[1.0, 2.0],
    )
    x = np.array([[0.1], [0.9], [np.nan], [np.nan]], dtype=np.float32)
    assert [p.tolist() for p in leaf_populations(ensemble(node), x)] == [[3, 1]]


def _one_hot_pipeline(values: list[str], seed: int = 0) -> tuple[bytes, pa.Table]:
    rng = np.random.default_rng(seed)
    n = len(values)
    frame = pd.DataFrame({"code": values, "sales": rng.normal(size=n).astype(np.float32)})
    y = rng.integers(0, 2, n)
    encoder = ColumnTransformer(
        [("onehot", OneHotEncoder(handle_unknown="ignore"), ["code"])], remainder="passthrough"
    )
    pipeline = Pipeline(
        [("encode", encoder), ("model", DecisionTreeClassifier(min_samples_leaf=50))]
    ).fit(frame, y)
    types = [("code", StringTensorType([None, 1])), ("sales", FloatTensorType([None, 1]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        proto = convert_sklearn(pipeline, initial_types=types, options={"zipmap": False})
    return proto.SerializeToString(), pa.Table.from_pandas(frame, preserve_index=False)


PII_LEVELS = [
    ("phone numbers", [f"139{i:08d}" for i in range(30)], "PRC_MOBILE"),
    ("resident ID numbers", [prc_id(seq=f"{i:03d}") for i in range(30)], "PRC_ID_NUMBER"),
]


@pytest.mark.parametrize(("name", "levels", "entity"), PII_LEVELS, ids=[c[0] for c in PII_LEVELS])
def test_one_hot_levels_that_are_pii_are_flagged_without_quoting_them(
    name: str, levels: list[str], entity: str
) -> None:
    artifact, table = _one_hot_pipeline(levels * 40)
    findings = check_artifact("onnx", artifact, table, K, ["code", "sales"])
    pii = _errors(findings)["pii_level"]
    assert pii.detail["feature"] == "code"
    assert pii.detail["entities"] == {entity: 30}
    assert "OneHotEncoder" in pii.message and "code" in pii.message
    assert not any(v in f.message or v in str(f.detail) for f in findings for v in levels)


def test_harmless_levels_pass_and_rare_ones_are_flagged() -> None:
    common = ["retail", "catering", "wholesale"] * 200
    artifact, table = _one_hot_pipeline(common)
    assert _errors(check_artifact("onnx", artifact, table, K, ["code", "sales"])) == {}
    artifact, table = _one_hot_pipeline([*common, "M0042", "M0043"])
    rare = _errors(check_artifact("onnx", artifact, table, K, ["code", "sales"]))["rare_level"]
    assert (rare.detail["rare"], rare.detail["unseen"], rare.detail["levels"]) == (2, 0, 5)


def _linear(**extra: str) -> onnx.ModelProto:
    x, y, _ = _data(200)
    model = load(_onnx(LogisticRegression().fit(x, y)))
    for key, value in extra.items():
        model.metadata_props.add(key=key, value=value)
    return model


def test_a_phone_number_in_the_metadata_is_flagged() -> None:
    _, _, table = _data(200)
    model = _linear(contact="13912345678")
    findings = check_artifact("onnx", model.SerializeToString(), table, K, FEATURES)
    assert [f.kind for f in findings] == ["pii_string"]
    assert findings[0].detail["entities"] == {"PRC_MOBILE": 1}
    assert "13912345678" not in findings[0].message
    assert check_artifact("onnx", _linear().SerializeToString(), table, K, FEATURES) == []


def test_external_data_and_custom_operators_are_never_evaluated() -> None:
    x, y, table = _data(300)
    forest = RandomForestClassifier(n_estimators=3, min_samples_leaf=30, random_state=0)
    model = load(_onnx(Pipeline([("s", StandardScaler()), ("f", forest)]).fit(x, y)))
    tensor = helper.make_tensor("extra", TensorProto.FLOAT, [1], [0.0])
    tensor.ClearField("float_data")
    tensor.data_location = TensorProto.EXTERNAL
    tensor.external_data.add(key="location", value="../../../../etc/passwd")
    model.graph.initializer.append(tensor)
    errors = _errors(check_artifact("onnx", model.SerializeToString(), table, K, FEATURES))
    assert "in an external file" in errors["unsafe_model"].message
    assert "needs the model evaluated" in errors["unverified"].message
    custom = load(_onnx(Pipeline([("s", StandardScaler()), ("f", forest)]).fit(x, y)))
    custom.graph.node[0].domain = "com.example.loader"
    errors = _errors(check_artifact("onnx", custom.SerializeToString(), table, K, FEATURES))
    assert "of the domain 'com.example.loader'" in errors["unsafe_model"].message


def test_without_training_data_or_with_the_wrong_columns_trees_are_unverified() -> None:
    x, y, _ = _data(300)
    artifact = _onnx(DecisionTreeClassifier(min_samples_leaf=50).fit(x, y))
    assert list(_errors(check_artifact("onnx", artifact, None, K, FEATURES))) == ["unverified"]
    other = pa.table({"a": [1.0]})
    assert list(_errors(check_artifact("onnx", artifact, other, K, ["a"]))) == ["unverified"]


@pytest.mark.parametrize("artifact", [b"", b"not a model at all", b"\x08\x07"])
def test_bytes_that_are_not_a_model_are_unreadable(artifact: bytes) -> None:
    assert [f.kind for f in check_artifact("onnx", artifact, None, K, FEATURES)] == ["unreadable"]


def test_a_tree_whose_links_form_a_cycle_is_unverified() -> None:
    x, y, table = _data(300)
    model = load(_onnx(DecisionTreeClassifier(max_depth=3, min_samples_leaf=20).fit(x, y)))
    node = model.graph.node[0]
    for attribute in node.attribute:
        if attribute.name == "nodes_truenodeids":
            attribute.ints[0] = 0  # the root's true branch points back at the root
    errors = _errors(check_artifact("onnx", model.SerializeToString(), table, K, FEATURES))
    assert "cycle" in errors["unverified"].message


def test_a_pipeline_onnxruntime_refuses_is_unverified_and_the_caller_survives() -> None:
    x, y, table = _data(300)
    forest = RandomForestClassifier(n_estimators=3, min_samples_leaf=30, random_state=0)
    model = load(_onnx(Pipeline([("s", StandardScaler()), ("f", forest)]).fit(x, y)))
    scaler = model.graph.node[0]
    assert scaler.op_type == "Scaler"
    for attribute in scaler.attribute:
        if attribute.name == "scale":
            del attribute.floats[:]
            attribute.floats.extend([1.0] * 7)  # seven scales for three features
    errors = _errors(check_artifact("onnx", model.SerializeToString(), table, K, FEATURES))
    assert "onnxruntime" in errors["unverified"].message
