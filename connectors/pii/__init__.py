"""Finding PII offline: recognizers, a model-free Presidio analyzer, column classification
from samples and free-text scrubbing. See classify.py for the classification rules and
entities.py for the entity names."""

from __future__ import annotations

from connectors.pii.analyzer import AnalyzerSettings, build_analyzer, get_analyzer
from connectors.pii.classify import ColumnFinding, classify_column, classify_columns
from connectors.pii.known_names import KnownNames
from connectors.pii.scrub import ScrubResult, scrub_texts

__all__ = [
    "AnalyzerSettings",
    "ColumnFinding",
    "KnownNames",
    "ScrubResult",
    "build_analyzer",
    "classify_column",
    "classify_columns",
    "get_analyzer",
    "scrub_texts",
]
