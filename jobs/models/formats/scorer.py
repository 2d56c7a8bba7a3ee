"""What every loaded model offers the scoring code, whatever its flavour."""

from __future__ import annotations

from typing import Literal, Protocol

import pyarrow as pa

Output = Literal["probability", "points"]


class Scorer(Protocol):
    """A model loaded for scoring.

    `features` are the model's inputs in the model's own order; `score` reads them from a
    record batch by name (other columns are ignored, the batch's column order does not
    matter) and returns one float64 per row: the probability of class 1, or the points of a
    scorecard without a probability mapping (`output` says which). Nulls and NaN are missing
    values, handled the way the model was trained to handle them.
    """

    flavour: str
    features: list[str]
    output: Output

    def score(self, batch: pa.RecordBatch) -> pa.Array: ...
