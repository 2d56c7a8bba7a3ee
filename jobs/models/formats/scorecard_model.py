"""The `scorecard` flavour: a JSON scorecard evaluated with numpy and Arrow, no code run.

score = base_points + the points of each feature's bin; a missing value (null, NaN) gets
the feature's `missing_points`, and so does a category the scorecard does not list (a level
unseen in training carries no evidence either way). With `score_to_probability`, the
scorer returns logistic(intercept + slope * score), else the points.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError

from jobs.models.formats.errors import ModelInvalid
from jobs.models.formats.feature_matrix import categories, numeric
from jobs.models.formats.scorecard_schema import CategoricalFeature, NumericFeature, Scorecard
from jobs.models.formats.scorer import Output

MAX_BYTES = 16 * 1024 * 1024


class ScorecardScorer:
    flavour = "scorecard"

    def __init__(self, data: bytes, features: Sequence[str] | None, threads: int = 1) -> None:
        del threads  # vectorised numpy: one thread is plenty
        self.card = parse(data)
        self.features = [f.name for f in self.card.features]
        if features is not None and list(features) != self.features:
            raise ModelInvalid(
                f"the model's schema names the features {list(features)} but the scorecard "
                f"has {self.features}"
            )
        self.output: Output = "points" if self.card.score_to_probability is None else "probability"
        self._parts = [_part(f) for f in self.card.features]

    def score(self, batch: pa.RecordBatch) -> pa.Array:
        total = np.full(batch.num_rows, self.card.base_points, dtype=np.float64)
        for part in self._parts:
            total += part(batch)
        mapping = self.card.score_to_probability
        if mapping is not None:
            total = 1.0 / (1.0 + np.exp(-(mapping.intercept + mapping.slope * total)))
        return pa.array(total, pa.float64())


def parse(data: bytes) -> Scorecard:
    if len(data) > MAX_BYTES:
        raise ModelInvalid(f"the scorecard takes {len(data)} bytes, more than {MAX_BYTES}")
    try:
        return Scorecard.model_validate_json(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'scorecard'}: {e['msg']}"
            for e in exc.errors(include_url=False)[:5]
        )
        raise ModelInvalid(f"the scorecard is not valid lab-scorecard/1: {problems}") from exc


class _NumericPart:
    def __init__(self, feature: NumericFeature) -> None:
        self.name = feature.name
        self.edges = np.asarray(feature.edges, dtype=np.float64)
        self.points = np.asarray([b.points for b in feature.bins], dtype=np.float64)
        self.missing = feature.missing_points

    def __call__(self, batch: pa.RecordBatch) -> npt.NDArray[np.float64]:
        x = numeric(batch, self.name, np.float64)
        points = self.points[np.searchsorted(self.edges, x, side="right")]
        return np.where(np.isnan(x), self.missing, points)


class _CategoricalPart:
    def __init__(self, feature: CategoricalFeature) -> None:
        self.name = feature.name
        levels = [c for b in feature.bins for c in b.categories]
        self.levels = pa.array(levels, pa.string())
        # one slot per level, then the missing / unseen slot last
        points = [b.points for b in feature.bins for _ in b.categories]
        self.points = np.asarray([*points, feature.missing_points], dtype=np.float64)

    def __call__(self, batch: pa.RecordBatch) -> npt.NDArray[np.float64]:
        values = categories(batch, self.name)
        index = pc.index_in(values, value_set=self.levels)
        slots = pc.fill_null(index, len(self.points) - 1).to_numpy(zero_copy_only=False)
        picked: npt.NDArray[np.float64] = self.points[slots]
        return picked


def _part(feature: NumericFeature | CategoricalFeature) -> _NumericPart | _CategoricalPart:
    if isinstance(feature, NumericFeature):
        return _NumericPart(feature)
    return _CategoricalPart(feature)
