"""Strings embedded in an artifact, judged by the import's own PII recognizers
(connectors.pii), and category levels counted on the training data.

A string is PII-like when a recognizer accepts the whole of it (ID numbers, USCC, bank
cards, mobiles, e-mail, addresses, names, IP addresses, organisations), when the fast text
scan finds PII inside it, or when it holds ten or more digits in a row (an account or ID
number no recognizer knows is still a reason for doubt; inside a longer run of letters and
digits, such as a generated hexadecimal name, it is not). A level is rare when fewer than k
training records have it, none included: a level the training data never had was put there
by hand.

Findings name where the strings are, the feature and how many; never a string itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from connectors.pii.fastscan import scan_text
from connectors.pii.values import STRONG
from jobs.models.artifact_checks.model import ERROR, Finding

LONG_NUMBER = "LONG_NUMBER"
# ten or more digits in a row (spaces and dashes allowed inside), not part of a longer
# alphanumeric token: an account or ID number, not a hexadecimal name a converter generated
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9](?:[ -]?[0-9]){9,}(?![0-9A-Za-z])")
MIN_SCAN_SCORE = 0.5


@dataclass(frozen=True)
class Levels:
    """Category levels of one feature in an artifact.

    where: the place in the artifact, in words (no user-written names or values);
    feature: the training column the levels are values of, when known.
    """

    where: str
    feature: str | None
    values: tuple[str, ...]


def pii_entity(text: str) -> str | None:
    """The entity a string looks like, or None."""
    value = text.strip()
    if not value:
        return None
    for entity, check in STRONG.items():
        if check(value):
            return entity
    found = scan_text(value, min_score=MIN_SCAN_SCORE)
    if found:
        return max(found, key=lambda span: span.score).entity
    if _LONG_NUMBER.search(value):
        return LONG_NUMBER
    return None


def _entities(values: Iterable[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    for value in values:
        entity = pii_entity(value)
        if entity is not None:
            found[entity] += 1
    return found


def _summary(found: Counter[str]) -> str:
    return ", ".join(f"{count} {entity}" for entity, count in found.most_common())


def pii_in_strings(where: str, strings: Sequence[str]) -> list[Finding]:
    """One finding if any of the strings found at `where` look like PII."""
    found = _entities(strings)
    if not found:
        return []
    flagged = sum(found.values())
    message = (
        f"{where}: {flagged} of {len(strings)} embedded strings look like identifiers or PII "
        f"({_summary(found)})"
    )
    detail = {"where": where, "strings": len(strings), "entities": dict(found)}
    return [Finding("pii_string", ERROR, message, detail)]


def judge_levels(levels: Levels, counts: Counter[str] | None, k: int) -> list[Finding]:
    """PII-like levels, and levels fewer than k training records have (`counts`: records
    per value of the feature's training column; None when it cannot be told)."""
    name = levels.feature or "an unknown feature"
    findings: list[Finding] = []
    found = _entities(levels.values)
    if found:
        flagged = sum(found.values())
        message = (
            f"{levels.where}: {flagged} of {len(levels.values)} category levels of {name} "
            f"look like identifiers or PII ({_summary(found)})"
        )
        detail = {
            "where": levels.where,
            "feature": levels.feature,
            "levels": len(levels.values),
            "entities": dict(found),
        }
        findings.append(Finding("pii_level", ERROR, message, detail))
    if counts is not None:
        rare = [value for value in levels.values if counts.get(value, 0) < k]
        if rare:
            unseen = sum(1 for value in rare if counts.get(value, 0) == 0)
            message = (
                f"{levels.where}: {len(rare)} of {len(levels.values)} category levels of "
                f"{name} have fewer than {k} training records ({unseen} have none)"
            )
            detail = {
                "where": levels.where,
                "feature": levels.feature,
                "levels": len(levels.values),
                "rare": len(rare),
                "unseen": unseen,
                "k": k,
            }
            findings.append(Finding("rare_level", ERROR, message, detail))
    return findings
