"""What every loaded model offers the scoring code, whatever its flavour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import pyarrow as pa

from jobs.models.formats.errors import ModelInvalid

Output = Literal["probability", "points"]
MAX_THREADS = 64
"""The most threads one `score` call may use, whatever the flavour."""


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


def check_names(features: Sequence[str]) -> None:
    """Feature names are non-empty strings, each named once; else ModelInvalid."""
    seen: set[str] = set()
    for name in features:
        if not isinstance(name, str) or not name:
            raise ModelInvalid(f"feature names must be non-empty strings, not {name!r}")
        if name in seen:
            raise ModelInvalid(f"the feature {name!r} is named twice in the model's schema")
        seen.add(name)
