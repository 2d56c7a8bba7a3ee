"""`labjob.save_model` on the host: each kind of model to its safe flavour, or a refusal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import onnxruntime
import pandas as pd
import pytest
from optbinning import BinningProcess, Scorecard
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import jobs.runtime as labjob
from jobs.models.registry_checks import check_model_folder

RNG = np.random.default_rng(7)
X = pd.DataFrame(RNG.normal(size=(400, 3)), columns=["sales", "refunds", "rating"])
Y = (X["sales"] - X["refunds"] + RNG.normal(size=400) > 0).astype(int)


@pytest.fixture
def outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LABJOB_WORKSPACE", str(tmp_path))
    return tmp_path / "outputs"


def _folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in path.iterdir()}


def _scorecard() -> Any:
    process = BinningProcess(list(X.columns))
    return Scorecard(
        binning_process=process,
        estimator=LogisticRegression(),
        scaling_method="min_max",
        scaling_method_params={"min": 300, "max": 850},
    ).fit(X, Y)


CASES = [
    ("logistic regression", lambda: LogisticRegression().fit(X, Y), "onnx", "model.onnx"),
    (
        "pipeline",
        lambda: make_pipeline(StandardScaler(), LogisticRegression()).fit(X, Y),
        "onnx",
        "model.onnx",
    ),
    (
        "random forest",
        lambda: RandomForestClassifier(n_estimators=5, max_depth=3).fit(X, Y),
        "onnx",
        "model.onnx",
    ),
    (
        "LGBMClassifier",
        lambda: lightgbm.LGBMClassifier(n_estimators=5, verbose=-1).fit(X, Y),
        "lightgbm",
        "model.txt",
    ),
    (
        "Booster",
        lambda: lightgbm.train(
            {"objective": "binary", "verbose": -1}, lightgbm.Dataset(X, Y), num_boost_round=5
        ),
        "lightgbm",
        "model.txt",
    ),
    ("optbinning scorecard", _scorecard, "scorecard", "scorecard.json"),
]


@pytest.mark.parametrize(("label", "make", "flavour", "artifact"), CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_model_is_saved_in_its_safe_flavour_and_passes_the_registry(
    outputs: Path, label: str, make: Any, flavour: str, artifact: str
) -> None:
    folder = labjob.save_model("scorer", make(), target="bad")
    assert folder == outputs / "models" / "scorer"
    assert sorted(p.name for p in folder.iterdir()) == sorted(["model.json", artifact])
    meta = json.loads((folder / "model.json").read_text())
    assert (meta["flavour"], meta["artifact"], meta["target"]) == (flavour, artifact, "bad")
    assert [f["name"] for f in meta["features"]] == ["sales", "refunds", "rating"]
    checked = check_model_folder(_folder(folder))
    assert checked.flavour == flavour and checked.details["n_features"] == 3


def test_the_onnx_model_scores_like_the_estimator_with_zipmap_off(outputs: Path) -> None:
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, Y)
    folder = labjob.save_model("logit", model)
    session = onnxruntime.InferenceSession((folder / "model.onnx").read_bytes())
    assert [o.name for o in session.get_outputs()] == ["label", "probabilities"]
    _, probabilities = session.run(None, {"features": X.to_numpy(np.float32)})
    expected = model.predict_proba(X)[:, 1]
    assert np.allclose(probabilities[:, 1], expected, atol=1e-5)


def test_the_scorecard_json_scores_like_optbinning(outputs: Path) -> None:
    card = _scorecard()
    saved = json.loads((labjob.save_model("card", card) / "scorecard.json").read_text())

    def score(row: pd.Series) -> float:
        total = saved["base_points"]
        for feature in saved["features"]:
            value = row[feature["name"]]
            total += next(
                b["points"]
                for b in feature["bins"]
                if (b["lower"] is None or value >= b["lower"])
                and (b["upper"] is None or value < b["upper"])
            )
        return float(total)

    ours = [score(X.iloc[i]) for i in range(20)]
    assert np.allclose(ours, card.score(X.iloc[:20]))


def test_named_features_must_match_the_model(outputs: Path) -> None:
    model = LogisticRegression().fit(X.to_numpy(), Y)  # fitted without names
    folder = labjob.save_model(
        "m", model, features={"a": "numeric", "b": "numeric", "c": "numeric"}
    )
    assert [f["name"] for f in json.loads((folder / "model.json").read_text())["features"]] == [
        "a",
        "b",
        "c",
    ]
    with pytest.raises(ValueError, match="2 given, the model takes 3"):
        labjob.save_model("m", model, features=["a", "b"])


REFUSED = [
    ("a dict", {"weights": [1, 2]}),
    ("a function", len),
    ("an unfitted estimator", LogisticRegression()),
    ("an arbitrary object", object()),
]


@pytest.mark.parametrize(("label", "model"), REFUSED, ids=[r[0] for r in REFUSED])
def test_anything_else_is_refused_with_a_clear_message(
    outputs: Path, label: str, model: object
) -> None:
    with pytest.raises(labjob.ModelNotSaved, match=r"cannot (save|convert)"):
        labjob.save_model("m", model)
    assert not (outputs / "models" / "m").exists() or not any((outputs / "models" / "m").iterdir())
