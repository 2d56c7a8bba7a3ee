"""What an artifact check reports: findings, each with a kind, a severity and a message that
names features and counts, never a value of the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jobs.errors import JobError

ERROR = "error"  # the artifact embeds data or cannot be verified: promotion must stop
WARNING = "warning"  # worth a reviewer's look; does not stop a promotion by itself


class ArtifactCheckError(JobError):
    """The check was called wrongly (an unknown flavour, k below 1)."""


@dataclass(frozen=True)
class Finding:
    """One thing wrong with an artifact.

    kind: small_leaf, leaf_count_mismatch, small_bin, bin_count_mismatch, pii_level,
    rare_level, pii_string, feature_range, unverified, unreadable, unsafe_model.
    detail: JSON-ready facts (feature names, counts, entities), never data values.
    """

    kind: str
    severity: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "detail": self.detail,
        }
