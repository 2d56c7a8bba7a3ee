"""Artifact checks: a model that embeds data is flagged before promotion.

Judged by recomputation on the training data, never by what the artifact (written by job
code) says about itself: leaves of LightGBM and ONNX tree ensembles and bins of scorecards
built from fewer than k records, a declared leaf or bin count that differs from the
recomputed one, category levels held by fewer than k records or that the import's PII
recognizers call identifiers, and PII in any other string of the artifact. Findings name
features and counts, never a value.
"""

from __future__ import annotations

from jobs.models.artifact_checks.check import CHECKERS, check_artifact
from jobs.models.artifact_checks.model import ERROR, WARNING, ArtifactCheckError, Finding

__all__ = ["CHECKERS", "ERROR", "WARNING", "ArtifactCheckError", "Finding", "check_artifact"]
