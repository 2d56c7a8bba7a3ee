"""Errors of loading and scoring a model; `message` is safe to show to the model's owner."""

from __future__ import annotations

from jobs.errors import JobError


class ModelInvalid(JobError):
    """The artifact is not a model of its flavour the lab can load without running code:
    unreadable, of another kind, using an operator or a feature the lab refuses."""


class ScoringInputInvalid(JobError):
    """The data handed to a scorer does not fit the model: a feature is absent or of a type
    the model cannot take. The message names the feature."""
