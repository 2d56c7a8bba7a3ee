"""Flavour name -> loader: the only model formats the lab loads outside a job's sandbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jobs.models.formats.errors import ModelInvalid
from jobs.models.formats.lightgbm_model import LightGBMScorer
from jobs.models.formats.onnx_model import OnnxScorer
from jobs.models.formats.scorecard_model import ScorecardScorer
from jobs.models.formats.scorer import Scorer

Loader = Callable[[bytes, Sequence[str] | None, int], Scorer]

FLAVOURS: dict[str, Loader] = {
    "onnx": OnnxScorer,
    "lightgbm": LightGBMScorer,
    "scorecard": ScorecardScorer,
}
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
    loader = FLAVOURS.get(flavour)
    if loader is None:
        raise ModelInvalid(
            f"unknown model flavour {flavour!r}: the lab loads {', '.join(sorted(FLAVOURS))}"
        )
    if not isinstance(artifact, bytes | bytearray | memoryview):
        raise TypeError("the artifact must be bytes")
    return loader(bytes(artifact), features, threads)
