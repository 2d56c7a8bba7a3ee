"""One find per stretch of text: overlapping finds of different entities become one.

Presidio removes duplicates of the same entity only. Here finds whose spans overlap (directly
or through a chain) are merged into one: its entity is the most specific one in the group
(order in entities.SPECIFICITY), its span the union of the spans, its score the highest score
in the group. So a Luhn-valid card number found as BANK_CARD and CREDIT_CARD is one BANK_CARD,
and "+86 138 1234 5678" is one PRC_MOBILE whichever recognizer saw more of it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from presidio_analyzer import RecognizerResult

from connectors.pii.entities import specificity

T = TypeVar("T")


def group_overlaps(items: Sequence[T], span: Callable[[T], tuple[int, int]]) -> list[list[T]]:
    """Items grouped by chains of overlapping spans, groups in text order."""
    groups: list[list[T]] = []
    group_end = -1
    for item in sorted(items, key=lambda it: span(it)):
        start, end = span(item)
        if groups and start < group_end:
            groups[-1].append(item)
            group_end = max(group_end, end)
        else:
            groups.append([item])
            group_end = end
    return groups


def merge_overlaps(results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """Overlapping results merged into one each (see the module doc), in text order."""
    merged = []
    for group in group_overlaps(results, lambda r: (r.start, r.end)):
        if len(group) == 1:
            merged.append(group[0])
            continue
        best = min(group, key=lambda r: (specificity(r.entity_type), -r.score, r.start - r.end))
        merged.append(
            RecognizerResult(
                entity_type=best.entity_type,
                start=min(r.start for r in group),
                end=max(r.end for r in group),
                score=max(r.score for r in group),
                analysis_explanation=best.analysis_explanation,
                recognition_metadata=best.recognition_metadata,
            )
        )
    return merged
