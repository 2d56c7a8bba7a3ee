"""Presidio on a sample, for the entities the fast path has no check for.

Only for columns still unclassified whose values look like codes or numbers; at most
`MAX_VALUES` distinct values; a value counts when one find covers nearly all of it.
"""

from __future__ import annotations

import re
from collections import Counter

from presidio_analyzer import AnalyzerEngine

from connectors.pii.entities import CREDIT_CARD, IBAN_CODE, PHONE_NUMBER

ENTITIES = [IBAN_CODE, CREDIT_CARD, PHONE_NUMBER]
MAX_VALUES = 50
_CODE_LIKE = re.compile(r"[0-9A-Za-z +()./-]{7,40}")
_DIGITS = re.compile(r"[0-9]")


def code_like(value: str) -> bool:
    """Short values of letters, digits and separators with at least six digits."""
    return _CODE_LIKE.fullmatch(value) is not None and len(_DIGITS.findall(value)) >= 6


def presidio_shares(counts: Counter[str], analyzer: AnalyzerEngine | None) -> dict[str, int]:
    """How many sampled values (weighted by repeats) each entity covers; {} if not worth it."""
    candidates = [(value, n) for value, n in counts.most_common() if code_like(value)]
    if sum(n for _, n in candidates) < 0.5 * sum(counts.values()):
        return {}
    if analyzer is None:
        from connectors.pii.analyzer import get_analyzer

        analyzer = get_analyzer()
    seen = candidates[:MAX_VALUES]
    scale = sum(n for _, n in candidates) / max(sum(n for _, n in seen), 1)
    found: Counter[str] = Counter()
    for value, n in seen:
        for result in analyzer.analyze(value, language="en", entities=ENTITIES):
            if result.end - result.start >= 0.9 * len(value):
                found[result.entity_type] += n
                break
    return {entity: round(count * scale) for entity, count in found.items()}
