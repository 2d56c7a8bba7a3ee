"""Redaction of what a partner reads about a job (its log, its status message).

A log is an output that does not pass the disclosure gate: a job can print rows. So the
text shown to a partner is cut against the job's own inputs (`build_index`: keyed hashes of
their values and words) and against the import's PII recognizers (`redact`). The full text
stays in the zone for reviewers.
"""

from __future__ import annotations

from jobs.redaction.index import ValueIndex, build_index
from jobs.redaction.text import REDACTED, Redacted, redact

__all__ = ["REDACTED", "Redacted", "ValueIndex", "build_index", "redact"]
