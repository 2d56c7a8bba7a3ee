"""Column classification from a sample: what each column holds and how identifying it is.

Rules, per column (values: the sampled non-null values; share: part of them that match):
1. Content. Each value is checked against our compiled patterns and validators (fast path,
   plain `re`): PRC ID number, USCC, bank card, PRC mobile, email, IP, Chinese address,
   Chinese name, organization name. The entity with the largest share wins (ties: the more
   specific, entities.SPECIFICITY). It classifies the column if its share reaches
   `threshold` (Chinese names: at least 0.8, the shape is weak). If no single entity does
   but direct identifiers of any kind together do, the column is a mixed identifier column.
2. Name hint (hints.py): the column name alone also classifies - a column called 身份证号
   is treated as ID numbers even if the sample fails the checksum - and the content share for
   the hinted entity is measured (dates, ages, gender, postcodes only count with a hint).
3. Class. Direct identifiers (ID number, mobile/phone, bank card, USCC, email, name, full
   address, IP, organization name) -> "identifier"; birth date, age, gender, postcode,
   city/district-level place, registration dates -> "quasi_identifier"; columns hinted as
   money or credit outcomes (salary, income, 收入, balance, 余额, loan, 贷款, default, 违约,
   overdue, 逾期 …) -> "sensitive"; the rest "plain". When content and hint disagree, the
   more protective class wins (identifier > quasi_identifier > sensitive > plain), and the
   entity comes from the content when the content is conclusive.
4. Free text: a hint such as 备注 / remark, or values that read like sentences
   (freetext.py) and match nothing structured. Their cells are scanned for PII; any find
   makes the column an identifier column, none leaves it "sensitive" (rules cannot see
   every name in prose). Entity FREE_TEXT; the lead scrubs these (scrub.py).
5. Presidio is called only for columns still unclassified whose values look like codes or
   numbers, on at most 50 distinct values, for the entities we have no fast check for
   (IBAN, credit cards outside 16-19 digits, foreign phone numbers).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
from presidio_analyzer import AnalyzerEngine

from connectors.errors import SpecError
from connectors.pii import entities as E
from connectors.pii.fastscan import scan_text
from connectors.pii.freetext import looks_like_free_text
from connectors.pii.hints import IDENTIFIER, PLAIN, QUASI, SENSITIVE, Hint, match_hint
from connectors.pii.presidio_pass import presidio_shares
from connectors.pii.recognizers import zh_address
from connectors.pii.values import STRONG, as_strings, fit_check

_RANK = {PLAIN: 0, SENSITIVE: 1, QUASI: 2, IDENTIFIER: 3}
PERSON_MIN_SHARE = 0.8
FREE_TEXT_MIN_SCORE = 0.4


@dataclass(frozen=True)
class ColumnFinding:
    column: str
    classification: str  # "identifier" | "quasi_identifier" | "sensitive" | "plain"
    entity: str | None  # for "plain": the best candidate that stayed under the threshold
    share: float  # share of sampled non-null values matching `entity` (0..1)
    sampled: int  # non-null values looked at
    name_hint: str | None  # the hint word that matched the column name, if any
    free_text: bool  # a free-text column (remarks, notes): PII inside sentences
    evidence: str  # one human sentence


def _pct(count: float, total: int) -> str:
    return f"{count / total:.0%} of {total} sampled values" if total else "no sampled values"


def _share(counts: Counter[str], check: Callable[[str], bool]) -> int:
    return sum(n for value, n in counts.items() if check(value))


def _content(counts: Counter[str]) -> tuple[dict[str, int], int, int]:
    """Matches per strong entity, values matching any direct identifier, full addresses."""
    per_entity: dict[str, int] = dict.fromkeys(STRONG, 0)
    any_identifier = full_addresses = 0
    for value, n in counts.items():
        hit = False
        for entity, check in STRONG.items():
            if check(value):
                per_entity[entity] += n
                hit = True
        if hit:
            any_identifier += n
        if zh_address.kind_of(value) == "full":
            full_addresses += n
    return per_entity, any_identifier, full_addresses


def _class_of(entity: str, full_addresses: int, matched: int) -> str:
    if entity == E.LOCATION:
        return IDENTIFIER if full_addresses * 2 >= matched else QUASI
    return IDENTIFIER if entity in E.IDENTIFIERS else QUASI


def _free_text(column: str, values: list[str], hint: Hint | None, why: str) -> ColumnFinding:
    found: Counter[str] = Counter()
    cells = 0
    for value in values:
        spans = scan_text(value, min_score=FREE_TEXT_MIN_SCORE, thorough=True)
        cells += bool(spans)
        found.update(span.entity for span in spans)
    n = len(values)
    kinds = ", ".join(f"{entity} {count}" for entity, count in found.most_common())
    evidence = f"free text ({why}); " + (
        f"{cells} of {n} sampled cells hold PII ({kinds})"
        if cells
        else f"no PII found in {n} sampled cells by rule"
    )
    return ColumnFinding(
        column,
        IDENTIFIER if cells else SENSITIVE,
        E.FREE_TEXT,
        cells / n if n else 0.0,
        n,
        hint.word if hint else None,
        True,
        evidence,
    )


def classify_column(
    column: str,
    array: pa.ChunkedArray | pa.Array,
    *,
    threshold: float = 0.6,
    analyzer: AnalyzerEngine | None = None,
) -> ColumnFinding:
    """The finding for one column (see the module doc for the rules)."""
    values, is_text = as_strings(array)
    n = len(values)
    hint = match_hint(column)
    hint_word = hint.word if hint else None
    counts = Counter(values)
    per_entity, any_identifier, full_addresses = _content(counts)
    best = min(per_entity, key=lambda e: (-per_entity[e], E.specificity(e)))
    best_count = per_entity[best] if n else 0
    needed = max(threshold, PERSON_MIN_SHARE) if best == E.PERSON else threshold
    conclusive = n > 0 and best_count >= needed * n
    mixed = n > 0 and not conclusive and any_identifier >= threshold * n

    if hint and hint.entity == E.FREE_TEXT and is_text and not conclusive:
        return _free_text(column, values, hint, f"column name hints {hint.word}")
    if not hint and not conclusive and not mixed and is_text and looks_like_free_text(values):
        return _free_text(column, values, hint, "long values with punctuation and no common shape")

    if not conclusive and not mixed and not hint and is_text and n:
        extra = presidio_shares(counts, analyzer)
        if extra and max(extra.values()) >= threshold * n:
            best = max(extra, key=lambda e: extra[e])
            per_entity[best] = extra[best]
            best_count, conclusive = extra[best], True

    if conclusive or mixed:
        entity, share = best, best_count / n
        cls = IDENTIFIER if mixed else _class_of(entity, full_addresses, best_count)
        if conclusive:
            evidence = f"{_pct(best_count, n)} are {E.DESCRIPTIONS[entity]}"
        else:
            evidence = (
                f"{_pct(any_identifier, n)} are direct identifiers of mixed kinds "
                f"(mostly {E.DESCRIPTIONS[entity]}, {best_count / n:.0%})"
            )
        if hint and _RANK[hint.classification] > _RANK[cls]:
            cls = hint.classification
        if hint:
            evidence += f"; column name hints {hint.word}"
        return ColumnFinding(column, cls, entity, share, n, hint_word, False, evidence)

    if hint:
        check = fit_check(hint.entity)
        matched = _share(counts, check) if check and n else 0
        evidence = f"column name hints {hint.word}"
        if check and hint.entity:
            evidence += f"; {_pct(matched, n)} are {E.DESCRIPTIONS[hint.entity]}"
        return ColumnFinding(
            column,
            hint.classification,
            hint.entity,
            matched / n if n else 0.0,
            n,
            hint_word,
            False,
            evidence,
        )

    if best_count:
        evidence = (
            f"{_pct(best_count, n)} are {E.DESCRIPTIONS[best]}, below the {needed:.0%} threshold"
        )
        return ColumnFinding(column, PLAIN, best, best_count / n, n, None, False, evidence)
    evidence = f"no PII found in {n} sampled values" if n else "no non-null values sampled"
    return ColumnFinding(column, PLAIN, None, 0.0, n, None, False, evidence)


def classify_columns(
    sample: pa.Table, *, threshold: float = 0.6, analyzer: AnalyzerEngine | None = None
) -> dict[str, ColumnFinding]:
    """One finding per column of a sample table (up to a few hundred rows is plenty).

    analyzer: the Presidio analyzer for the few columns that need it (rule 5); by default
    the cached offline one.
    """
    if not 0 < threshold <= 1:
        raise SpecError(f"threshold must be in (0, 1], not {threshold}")
    return {
        name: classify_column(name, sample.column(name), threshold=threshold, analyzer=analyzer)
        for name in sample.column_names
    }
