"""One offline analyzer for the whole PII test session."""

from __future__ import annotations

import pytest
from presidio_analyzer import AnalyzerEngine

from connectors.pii.analyzer import get_analyzer


@pytest.fixture(scope="session")
def analyzer() -> AnalyzerEngine:
    return get_analyzer()
