"""The safe model flavours (`onnx`, `lightgbm`, `scorecard`) loaded for scoring from bytes.

Nothing here deserialises code: ONNX is a checked protobuf graph run by onnxruntime, the
LightGBM model is its text format, the scorecard is validated JSON. Pickle and joblib are
not flavours and are never loaded here.
"""

from jobs.models.formats.errors import ModelInvalid, ScoringInputInvalid
from jobs.models.formats.registry import ARTIFACT_NAMES, FLAVOURS, load_scorer
from jobs.models.formats.scorer import Output, Scorer

__all__ = [
    "ARTIFACT_NAMES",
    "FLAVOURS",
    "ModelInvalid",
    "Output",
    "Scorer",
    "ScoringInputInvalid",
    "load_scorer",
]
