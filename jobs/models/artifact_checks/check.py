"""`check_artifact`: one checker per model flavour, behind a registry."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from jobs.models.artifact_checks import lightgbm_leaves, onnx_artifact, scorecard
from jobs.models.artifact_checks.model import ArtifactCheckError, Finding

Checker = Callable[[bytes, pa.Table | None, int, list[str]], list[Finding]]

CHECKERS: dict[str, Checker] = {
    "lightgbm": lightgbm_leaves.check,
    "onnx": onnx_artifact.check,
    "scorecard": scorecard.check,
}


def check_artifact(
    flavour: str, artifact_bytes: bytes, training: pa.Table | None, k: int, features: list[str]
) -> list[Finding]:
    """Whether a model artifact embeds data, judged by recomputation on its training data:
    tree leaves and scorecard bins built from fewer than k records, category levels that are
    rare or look like identifiers or PII, and PII anywhere else in the artifact.

    training: the records the model was trained on (None: nothing can be recomputed, which
    is itself an error finding); features: the model's input columns in order. An empty list
    means nothing was found."""
    checker = CHECKERS.get(flavour)
    if checker is None:
        raise ArtifactCheckError(f"unknown model flavour {flavour!r}: {', '.join(CHECKERS)}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ArtifactCheckError("k, the minimum number of records, must be a whole number >= 1")
    return checker(artifact_bytes, training, k, list(features))
