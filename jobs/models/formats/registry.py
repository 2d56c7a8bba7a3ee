"""Flavour name -> loader: the only model formats the lab loads outside a job's sandbox.

A loader's module is imported when its flavour is first loaded: LightGBM (which brings
scikit-learn) and ONNX (which brings its dtype tables) each take seconds to import, and a
scoring process needs one of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from jobs.models.formats.errors import ModelInvalid
from jobs.models.formats.scorer import Scorer

Loader = Callable[[bytes, Sequence[str] | None, int], Scorer]

FLAVOURS: dict[str, str] = {
    "onnx": "jobs.models.formats.onnx_model:OnnxScorer",
    "lightgbm": "jobs.models.formats.lightgbm_model:LightGBMScorer",
    "scorecard": "jobs.models.formats.scorecard_model:ScorecardScorer",
}
"""Flavour -> `module:class` of its loader."""
ARTIFACT_NAMES = {"onnx": "model.onnx", "lightgbm": "model.txt", "scorecard": "scorecard.json"}


def load_scorer(
    flavour: str, artifact: bytes, *, features: Sequence[str] | None = None, threads: int = 1
) -> Scorer:
    """The model in `artifact` ready to score, loaded without running any code it carries.

    `features` is the model's declared schema (feature names in order): required for ONNX,
    whose file does not name them; for the other flavours it must match the artifact.
    `threads` bounds the threads one `score` call uses. ModelInvalid with the reason when the
    artifact cannot be loaded as `flavour`; ValueError for `threads` out of range.
    """
    where = FLAVOURS.get(flavour)
    if where is None:
        raise ModelInvalid(
            f"unknown model flavour {flavour!r}: the lab loads {', '.join(sorted(FLAVOURS))}"
        )
    if not isinstance(artifact, bytes | bytearray | memoryview):
        raise TypeError("the artifact must be bytes")
    return _loader(where)(bytes(artifact), features, threads)


def _loader(where: str) -> Loader:
    module, name = where.split(":")
    loader: Loader = getattr(importlib.import_module(module), name)
    return loader
