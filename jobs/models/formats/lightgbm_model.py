"""The `lightgbm` flavour: LightGBM's text model (`Booster.save_model`), parsed, not executed.

The text is checked in Python first (`lightgbm_text`): LightGBM's parser aborts the process
on a truncated or inconsistent file. Only binary models are taken (objective `binary`); the
score is LightGBM's predicted probability of class 1. Feature names and order come from the
model text; a declared schema, when given, must name the same features in the same order.
LightGBM treats NaN as missing as it did in training.
"""

from __future__ import annotations

from collections.abc import Sequence

import lightgbm
import numpy as np
import pyarrow as pa

from jobs.models.formats import lightgbm_text
from jobs.models.formats.errors import ModelInvalid
from jobs.models.formats.feature_matrix import matrix
from jobs.models.formats.scorer import MAX_THREADS, Output, check_names


class LightGBMScorer:
    flavour = "lightgbm"
    output: Output = "probability"

    def __init__(self, data: bytes, features: Sequence[str] | None, threads: int = 1) -> None:
        if not 1 <= threads <= MAX_THREADS:
            raise ValueError(f"threads must be between 1 and {MAX_THREADS}, not {threads}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ModelInvalid("the artifact is not a LightGBM text model (not UTF-8)") from exc
        lightgbm_text.check(data)  # LightGBM's own parser aborts the process on bad input
        try:
            self._booster = lightgbm.Booster(model_str=text)
        except lightgbm.basic.LightGBMError as exc:
            raise ModelInvalid(f"LightGBM cannot read the model: {exc}") from exc
        own = list(self._booster.feature_name())
        check_names(own)
        if features is not None and list(features) != own:
            raise ModelInvalid(
                f"the model's schema names the features {list(features)} but the LightGBM "
                f"model takes {own}"
            )
        self.features = own
        self._threads = threads

    def score(self, batch: pa.RecordBatch) -> pa.Array:
        x = matrix(batch, self.features, np.float64)  # checks every feature, even with no rows
        if batch.num_rows == 0:
            return pa.array([], pa.float64())
        predicted = self._booster.predict(x, num_threads=self._threads)
        return pa.array(np.asarray(predicted, dtype=np.float64))
