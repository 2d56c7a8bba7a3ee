"""The JSON scorecard: validated against lab-scorecard/1, evaluated bin by bin."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from jobs.models.formats import ModelInvalid, ScoringInputInvalid, load_scorer
from tests.jobs.models.model_factories import scorecard

NAN = float("nan")

# (sales_trend, city) -> points: 600 + trend bin + city bin
POINTS = [
    (-5.0, "shanghai", 600 - 30 + 12),
    (-1.0, "beijing", 600 + 0 + 12),  # lower bound is inside: [-1, 0.5)
    (0.4999, "wuhan", 600 + 0 - 4),
    (0.5, "wuhan", 600 + 25 - 4),
    (1e300, None, 600 + 25 - 7),  # null category: missing points
    (NAN, "chengdu", 600 - 10 - 7),  # NaN: missing; unseen category: missing points
    (None, "", 600 - 10 - 7),
]


def _batch(rows: list[tuple[float | None, str | None, int]]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {
            "sales_trend": pa.array([r[0] for r in rows], pa.float64(), from_pandas=False),
            "city": pa.array([r[1] for r in rows], pa.string()),
        }
    )


def test_points_follow_the_bins_and_missing_values() -> None:
    scorer = load_scorer("scorecard", json.dumps(scorecard(probability=False)).encode())
    assert scorer.output == "points" and scorer.features == ["sales_trend", "city"]
    got = scorer.score(_batch(POINTS)).to_numpy()
    np.testing.assert_array_equal(got, [float(p) for _, _, p in POINTS])


def test_probability_is_the_logistic_of_the_points() -> None:
    scorer = load_scorer("scorecard", json.dumps(scorecard()).encode())
    assert scorer.output == "probability"
    got = scorer.score(_batch(POINTS)).to_numpy()
    expected = [1 / (1 + math.exp(-(20.0 - 0.035 * p))) for _, _, p in POINTS]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_categorical_features_take_dictionary_and_integer_codes() -> None:
    card = scorecard(probability=False)
    card["features"][1]["bins"] = [{"categories": ["7", "8"], "points": 3.0}]
    scorer = load_scorer("scorecard", json.dumps(card).encode())
    codes = pa.RecordBatch.from_pydict(
        {"sales_trend": pa.array([0.0, 0.0, 0.0]), "city": pa.array([7, 9, None], pa.int32())}
    )
    np.testing.assert_array_equal(scorer.score(codes).to_numpy(), [603.0, 593.0, 593.0])
    labels = pa.array(["7", "9", None]).dictionary_encode()
    as_dictionary = codes.set_column(1, "city", labels)
    np.testing.assert_array_equal(scorer.score(as_dictionary).to_numpy(), [603.0, 593.0, 593.0])
    floats = codes.set_column(1, "city", pa.array([7.0, 9.0, 1.0]))
    with pytest.raises(ScoringInputInvalid, match=r"'city' is categorical.*double"):
        scorer.score(floats)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(card: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = card
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda card: card.pop(key)


INVALID: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("other format", _set("format", "lab-scorecard/2"), "format"),
    ("no features", _set("features", []), "features"),
    ("extra field", _set("code", "import os"), "code.*Extra inputs"),
    ("no base points", _delete("base_points"), "base_points.*Field required"),
    ("first bin bounded", _set("features.0.bins.0.lower", -9.0), "first bin must start at null"),
    ("last bin bounded", _set("features.0.bins.2.upper", 9.0), "last bin must end at null"),
    ("gap", _set("features.0.bins.1.lower", -0.5), "bin 0 must end where bin 1 starts"),
    ("overlap", _set("features.0.bins.1.upper", 0.7), "bin 1 must end where bin 2 starts"),
    ("empty bin", _set("features.0.bins.1.upper", -1.0), "bin 1 must end where|lower < upper"),
    ("unknown type", _set("features.0.type", "date"), "does not match any of the expected tags"),
    ("category twice", _set("features.1.bins.1.categories", ["wuhan", "beijing"]),
     "'beijing' is in two bins"),
    ("feature twice", _set("features.1.name", "sales_trend"), "'sales_trend' appears twice"),
    ("negative count", _set("features.0.bins.0.count", -1), "greater than or equal to 0"),
    ("text points", _set("features.0.bins.0.points", "many"), "points"),
    ("empty name", _set("features.0.name", ""), "at least 1 character"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"), [(c[1], c[2]) for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_scorecards_are_refused_saying_why(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    card = copy.deepcopy(scorecard())
    change(card)
    with pytest.raises(ModelInvalid, match=message):
        load_scorer("scorecard", json.dumps(card).encode())


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused(number: str) -> None:
    text = json.dumps(scorecard()).replace('"base_points": 600.0', f'"base_points": {number}')
    with pytest.raises(ModelInvalid, match="base_points"):
        load_scorer("scorecard", text.encode())


def test_not_json_is_refused() -> None:
    with pytest.raises(ModelInvalid, match="not valid lab-scorecard/1"):
        load_scorer("scorecard", b"\x80\x04K\x01.")
