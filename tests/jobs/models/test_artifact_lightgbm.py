"""LightGBM text models: leaves are recounted on the training data, whatever the text says."""

from __future__ import annotations

import re
import warnings

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from jobs.models.artifact_checks import ERROR, WARNING, ArtifactCheckError, Finding, check_artifact

K = 10


def _data(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"sales": rng.normal(size=n), "refunds": rng.normal(size=n)})
    frame["bad"] = (frame.sales + rng.normal(size=n) * 0.5 > 0).astype(int)
    return frame


def _train(frame: pd.DataFrame, **params: object) -> bytes:
    x = frame.drop(columns="bad")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = lgb.LGBMClassifier(verbose=-1, **params).fit(x, frame.bad)  # type: ignore[arg-type]
    return model.booster_.model_to_string().encode()


def _table(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame.drop(columns="bad"), preserve_index=False)


def _errors(findings: list[Finding]) -> dict[str, Finding]:
    return {f.kind: f for f in findings if f.severity == ERROR}


FEATURES = ["sales", "refunds"]
TINY = {"n_estimators": 5, "min_child_samples": 1, "min_child_weight": 0, "min_data_in_bin": 1}


def test_leaves_of_one_record_are_flagged() -> None:
    frame = _data(30)
    findings = check_artifact("lightgbm", _train(frame, **TINY), _table(frame), K, FEATURES)
    small = _errors(findings)["small_leaf"]
    assert small.detail["smallest"] == 1 and small.detail["k"] == K
    assert "fewer than 10 training records" in small.message


def test_leaves_of_fifty_records_or_more_pass() -> None:
    frame = _data(5000)
    model = _train(frame, n_estimators=50, min_child_samples=50)
    findings = check_artifact("lightgbm", model, _table(frame), K, FEATURES)
    assert _errors(findings) == {}
    assert [f.kind for f in findings] == ["feature_range"]  # min and max of each feature
    assert findings[0].severity == WARNING


def _claim_at_least(text: bytes, width: int) -> bytes:
    """Every declared leaf count raised to the largest number of the same width (9 for 1,
    99 for 12): the text keeps its length, so LightGBM still loads it."""

    def replace(match: re.Match[bytes]) -> bytes:
        return b"leaf_count=" + b" ".join(b"9" * max(len(n), width) for n in match[1].split())

    return re.sub(rb"leaf_count=([0-9 ]+)", replace, text)


def test_a_tampered_leaf_count_is_a_mismatch_and_the_real_count_still_counts() -> None:
    frame = _data(30)
    text = _train(frame, **TINY)
    lying = _claim_at_least(text, 1)
    assert len(lying) == len(text) and b"leaf_count=1 " not in lying
    errors = _errors(check_artifact("lightgbm", lying, _table(frame), K, FEATURES))
    assert errors["small_leaf"].detail["smallest"] == 1  # recomputed, not read
    assert "altered" in errors["leaf_count_mismatch"].message


def test_a_text_that_crashes_lightgbms_loader_is_unverified_and_the_caller_survives() -> None:
    frame = _data(30)
    text = _train(frame, **TINY)
    longer = re.sub(rb"leaf_count=([0-9 ]+)", lambda m: m[0] + b"0", text)  # tree_sizes now lie
    errors = _errors(check_artifact("lightgbm", longer, _table(frame), K, FEATURES))
    assert "stopped while loading" in errors["unverified"].message


def test_one_changed_leaf_count_in_a_good_model_is_caught() -> None:
    frame = _data(5000)
    text = _train(frame, n_estimators=20, min_child_samples=50)
    last = re.search(rb"leaf_count=\d*(\d)", text)
    assert last is not None
    digit = b"%d" % ((int(last[1]) + 1) % 10)  # one digit changed, the length kept
    tampered = text[: last.start(1)] + digit + text[last.end(1) :]
    errors = _errors(check_artifact("lightgbm", tampered, _table(frame), K, FEATURES))
    assert list(errors) == ["leaf_count_mismatch"]
    assert errors["leaf_count_mismatch"].detail == {"leaves": 1, "trees": 1, "sampled_rows": False}


def test_under_bagging_a_count_difference_is_only_a_warning() -> None:
    frame = _data(3000)
    model = _train(frame, n_estimators=10, min_child_samples=50, subsample=0.5, subsample_freq=1)
    findings = check_artifact("lightgbm", model, _table(frame), K, FEATURES)
    mismatch = next(f for f in findings if f.kind == "leaf_count_mismatch")
    assert mismatch.severity == WARNING and mismatch.detail["sampled_rows"] is True


def test_a_model_trained_on_an_unnamed_matrix_uses_the_declared_feature_order() -> None:
    frame = _data(40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        booster = lgb.train(
            {"objective": "binary", "verbose": -1, "min_data_in_leaf": 1, "min_data_in_bin": 1},
            lgb.Dataset(frame[FEATURES].to_numpy(), frame.bad.to_numpy()),
            num_boost_round=3,
        )
    errors = _errors(
        check_artifact("lightgbm", booster.model_to_string().encode(), _table(frame), K, FEATURES)
    )
    assert "small_leaf" in errors and "unverified" not in errors


def test_pandas_category_levels_that_are_phone_numbers_are_flagged_without_quoting_them() -> None:
    rng = np.random.default_rng(1)
    phones = [f"138{i:08d}" for i in range(40)]
    frame = pd.DataFrame(
        {"phone": pd.Categorical(rng.choice(phones, 400)), "x": rng.normal(size=400)}
    )
    frame["bad"] = rng.integers(0, 2, 400)
    model = _train(frame, n_estimators=3, min_child_samples=20)
    table = pa.table({"phone": frame.phone.astype(str).tolist(), "x": frame.x.tolist()})
    findings = check_artifact("lightgbm", model, table, K, ["phone", "x"])
    levels = {f.kind: f for f in findings}
    assert levels["pii_level"].detail["entities"] == {"PRC_MOBILE": 40}
    assert levels["pii_level"].detail["feature"] == "phone"
    assert "rare_level" in levels  # about ten records per phone number, some fewer
    assert not any(p in f.message or p in str(f.detail) for f in findings for p in phones)


def test_without_training_data_the_declared_counts_are_used_and_the_result_is_unverified() -> None:
    frame = _data(30)
    errors = _errors(check_artifact("lightgbm", _train(frame, **TINY), None, K, FEATURES))
    assert "unverified" in errors and "small_leaf" in errors


def test_training_data_without_the_models_features_is_unverified() -> None:
    frame = _data(300)
    model = _train(frame, n_estimators=3)
    errors = _errors(check_artifact("lightgbm", model, pa.table({"other": [1.0]}), K, ["other"]))
    assert list(errors) == ["unverified"]


@pytest.mark.parametrize(
    "artifact",
    [b"\xff\xfe not text", b"{}", b"tree\nfeature_names=a\nfeature_infos=[0:1] [0:1]\n"],
)
def test_unreadable_text_is_a_finding_not_a_crash(artifact: bytes) -> None:
    findings = check_artifact("lightgbm", artifact, None, K, FEATURES)
    assert [f.kind for f in findings] == ["unreadable"]


def test_a_tree_with_fewer_counts_than_leaves_is_unreadable() -> None:
    frame = _data(300)
    text = _train(frame, n_estimators=2, min_child_samples=20)
    broken = re.sub(rb"leaf_count=(\d+) ", b"leaf_count=", text, count=1)
    findings = check_artifact("lightgbm", broken, _table(frame), K, FEATURES)
    assert [f.kind for f in findings] == ["unreadable"]


@pytest.mark.parametrize(("flavour", "k"), [("pickle", 10), ("lightgbm", 0), ("onnx", True)])
def test_a_wrong_call_is_refused(flavour: str, k: int) -> None:
    with pytest.raises(ArtifactCheckError):
        check_artifact(flavour, b"", None, k, [])


def test_a_phone_number_written_into_the_parameters_is_flagged() -> None:
    frame = _data(300)
    text = _train(frame, n_estimators=3, min_child_samples=20)
    hidden = text.replace(b"parameters:\n", b"parameters:\n[contact: 13812345678]\n")
    findings = check_artifact("lightgbm", hidden, _table(frame), K, FEATURES)
    pii = _errors(findings)["pii_string"]
    assert pii.detail["entities"] == {"PRC_MOBILE": 1}
    assert all("13812345678" not in f.message + str(f.detail) for f in findings)
    clean = check_artifact("lightgbm", text, _table(frame), K, FEATURES)
    assert "pii_string" not in _errors(clean)
