"""Finding PII spans in text with our compiled patterns only - no Presidio, no phone library.

Much faster than the analyzer (no phone library; names need a word segmentation, the
slowest part); used to measure free-text columns while classifying and as the scrubber's
second pass over already-scrubbed text.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from connectors.pii.entities import specificity
from connectors.pii.merge import group_overlaps
from connectors.pii.recognizers import RECOGNIZERS

# Ten or more digits in a row (spaces and dashes allowed inside): an account, card or ID
# number that no recognizer accepted is still a reason for doubt.
LONG_DIGITS = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){9,}(?![0-9])")


@dataclass(frozen=True)
class Found:
    """One span of PII in a text."""

    entity: str
    start: int
    end: int
    score: float


def scan_text(text: str, *, min_score: float = 0.0, skip: Collection[str] = ()) -> list[Found]:
    """PII spans in text, overlaps merged (most specific entity, union span, best score);
    recognizers of the entities in `skip` are not run."""
    raw = [
        Found(entry.entity, start, end, score)
        for entry in RECOGNIZERS
        if entry.entity not in skip
        for start, end, score in entry.find(text)
        if score >= min_score
    ]
    merged = []
    for group in group_overlaps(raw, lambda f: (f.start, f.end)):
        best = min(group, key=lambda f: (specificity(f.entity), -f.score))
        merged.append(
            Found(
                best.entity,
                min(f.start for f in group),
                max(f.end for f in group),
                max(f.score for f in group),
            )
        )
    return merged
