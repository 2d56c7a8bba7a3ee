"""Each safe flavour loads from bytes and scores Arrow batches by feature name."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from jobs.models.formats import FLAVOURS, ModelInvalid, ScoringInputInvalid, load_scorer
from tests.jobs.models.model_factories import (
    FEATURES,
    classifier,
    lightgbm_text,
    merchant_batch,
    onnx_bytes,
    scorecard_bytes,
)


def test_onnx_and_lightgbm_of_one_model_score_alike_with_missing_values() -> None:
    batch = merchant_batch(2000)
    onnx = load_scorer("onnx", onnx_bytes(), features=FEATURES)
    text = load_scorer("lightgbm", lightgbm_text())
    a = onnx.score(batch).to_numpy()
    b = text.score(batch).to_numpy()
    assert onnx.features == text.features == FEATURES
    assert a.dtype == b.dtype == np.float64 and len(a) == 2000
    assert np.isfinite(a).all() and ((a > 0) & (a < 1)).all()
    np.testing.assert_allclose(a, b, atol=1e-5)
    # and the booster trained in memory agrees: nulls and NaN are both "missing"
    x = batch.to_pandas()[FEATURES].to_numpy(dtype=np.float64)  # nulls become NaN
    expected = classifier().booster_.predict(x)
    np.testing.assert_allclose(b, expected, atol=1e-9)


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_column_order_and_extra_columns_do_not_matter(flavour: str) -> None:
    scorer = load_scorer(flavour, _artifact(flavour), features=_features(flavour))
    batch = merchant_batch(300)
    shuffled = pa.RecordBatch.from_arrays(
        [batch.column(n) for n in reversed(batch.schema.names)],
        names=list(reversed(batch.schema.names)),
    )
    assert scorer.score(shuffled).equals(scorer.score(batch))
    assert scorer.score(batch.slice(0, 0)).type == pa.float64()
    assert len(scorer.score(batch.slice(0, 0))) == 0


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_a_missing_feature_is_named(flavour: str) -> None:
    scorer = load_scorer(flavour, _artifact(flavour), features=_features(flavour))
    batch = merchant_batch(50)
    dropped = batch.drop_columns(["sales_trend"])
    with pytest.raises(ScoringInputInvalid, match="'sales_trend' is missing"):
        scorer.score(dropped)


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_a_text_column_for_a_numeric_feature_is_named(flavour: str) -> None:
    scorer = load_scorer(flavour, _artifact(flavour), features=_features(flavour))
    batch = merchant_batch(50)
    index = batch.schema.get_field_index("sales_trend")
    as_text = batch.set_column(index, "sales_trend", pa.array(["1.5"] * 50))
    with pytest.raises(ScoringInputInvalid, match=r"'sales_trend' must be numeric.*string"):
        scorer.score(as_text)


def test_a_duplicated_column_is_refused_not_guessed() -> None:
    scorer = load_scorer("lightgbm", lightgbm_text())
    batch = merchant_batch(20)
    twice = batch.append_column("refund_rate", pa.array(np.zeros(20)))
    with pytest.raises(ScoringInputInvalid, match="'refund_rate' appears 2 times"):
        scorer.score(twice)


def test_integer_decimal_and_boolean_columns_are_numbers() -> None:
    scorer = load_scorer("lightgbm", lightgbm_text())
    batch = merchant_batch(40, missing=False)
    as_float = scorer.score(batch).to_numpy()
    loans = batch.column("loan_count").to_numpy()
    for kind in (pa.int8(), pa.uint32(), pa.decimal128(10, 2), pa.float32()):
        changed = batch.set_column(
            batch.schema.get_field_index("loan_count"), "loan_count", pa.array(loans).cast(kind)
        )
        np.testing.assert_allclose(scorer.score(changed).to_numpy(), as_float)


def test_onnx_needs_its_feature_names_and_their_number() -> None:
    with pytest.raises(ModelInvalid, match="needs its feature names"):
        load_scorer("onnx", onnx_bytes())
    with pytest.raises(ModelInvalid, match="takes 4 features but its schema names 3"):
        load_scorer("onnx", onnx_bytes(), features=FEATURES[:3])
    with pytest.raises(ModelInvalid, match="named twice"):
        load_scorer("onnx", onnx_bytes(), features=[*FEATURES[:3], FEATURES[0]])


def test_lightgbm_schema_must_match_the_model() -> None:
    with pytest.raises(ModelInvalid, match="schema names the features"):
        load_scorer("lightgbm", lightgbm_text(), features=list(reversed(FEATURES)))


@pytest.mark.parametrize("threads", [0, -1, 65])
def test_threads_are_bounded(threads: int) -> None:
    with pytest.raises(ValueError, match="threads"):
        load_scorer("onnx", onnx_bytes(), features=FEATURES, threads=threads)


def test_unknown_flavours_are_refused() -> None:
    for flavour in ("pickle", "joblib", "sklearn", "ONNX", ""):
        with pytest.raises(ModelInvalid, match="unknown model flavour"):
            load_scorer(flavour, b"anything")


def _artifact(flavour: str) -> bytes:
    return {"onnx": onnx_bytes(), "lightgbm": lightgbm_text(), "scorecard": scorecard_bytes()}[
        flavour
    ]


def _features(flavour: str) -> list[str] | None:
    return FEATURES if flavour == "onnx" else None
