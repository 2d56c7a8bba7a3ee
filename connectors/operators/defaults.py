"""The operator each column gets when the spec does not name one, by class and entity.

- identifier: ID-like entities (ID number, mobile/phone, bank/credit card, USCC, email, IP,
  IBAN) get a keyed `pseudonym`: distinct, joinable within the tenant, irreversible without
  the key. Names (PERSON) and organization names get a `surrogate`: a realistic fake from
  the tenant-keyed pool, never a name the column really holds. Dropping them would also be
  safe, but the column would then be missing from the sandbox schema, and code developed
  there must run unchanged on the production data it is promoted to; a fake keeps the
  column and its look while revealing no more than a pseudonym does (equality under the
  tenant's key, blurred further by the finite pool). Full addresses are cut to city level
  (and then count as a quasi-identifier). Any other identifier gets a pseudonym.
- quasi_identifier: dates (birth, registration) → month; ages → 10-year bands; places → city;
  postcodes → rare values suppressed; other numbers → bins at the sample's deciles; the rest
  is kept and left to the k-anonymity check.
- sensitive and plain: kept (the modelling signal; k-anonymity guards re-identification
  through the quasi-identifiers).
- free text: scrubbed (`free_text` policy of the spec: scrub_or_drop, drop, keep_scrubbed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from connectors.operators._arrow import is_stringlike
from connectors.operators._dates import is_datelike
from connectors.operators._numbers import is_numeric

ID_LIKE = frozenset(
    {
        "PRC_ID_NUMBER",
        "PRC_MOBILE",
        "PHONE_NUMBER",
        "BANK_CARD",
        "CREDIT_CARD",
        "PRC_USCC",
        "EMAIL_ADDRESS",
        "IP_ADDRESS",
        "IBAN_CODE",
    }
)
FAKED = frozenset({"PERSON", "ORGANIZATION"})
DATES = frozenset({"DATE_OF_BIRTH", "DATE_TIME"})


@dataclass(frozen=True)
class Choice:
    operator: str
    params: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


def _free_text(policy: str) -> Choice:
    if policy == "drop":
        return Choice("drop", reason="free text; the spec's free_text policy is drop")
    on_unsure = "keep" if policy == "keep_scrubbed" else "withhold"
    return Choice("scrub", {"on_unsure": on_unsure}, f"free text; policy {policy}")


def _identifier(entity: str | None, dtype: pa.DataType) -> Choice:
    if entity in FAKED:
        return Choice("surrogate", {"entity": entity}, f"identifier ({entity}): realistic fake")
    if entity == "LOCATION" and is_stringlike(dtype):
        return Choice("generalize", {"level": "city"}, "identifier (address): cut to city")
    return Choice("pseudonym", {}, f"identifier ({entity or 'unknown kind'}): keyed pseudonym")


def decile_edges(sample: pa.Array | None) -> list[float]:
    """The sample's inner deciles rounded to two significant digits (aggregates, never a
    single sampled value), distinct and increasing."""
    if sample is None or len(sample) == 0 or not is_numeric(sample.type):
        return []
    data = pc.cast(sample, pa.float64()).drop_null().to_numpy(zero_copy_only=False)
    data = data[~np.isnan(data)]
    if len(data) < 10:
        return []
    edges: list[float] = []
    for q in np.quantile(data, np.linspace(0.1, 0.9, 9)).tolist():
        rounded = float(f"{q:.2g}")
        if not edges or rounded > edges[-1]:
            edges.append(rounded)
    return edges if len(edges) >= 2 else []


def _quasi(entity: str | None, dtype: pa.DataType, sample: pa.Array | None) -> Choice:
    if entity in DATES and is_datelike(dtype):
        return Choice("generalize", {"level": "month"}, "quasi-identifier (date): month")
    if entity == "AGE" and is_numeric(dtype):
        return Choice("generalize", {"band": 10}, "quasi-identifier (age): 10-year bands")
    if entity == "LOCATION" and is_stringlike(dtype):
        return Choice("generalize", {"level": "city"}, "quasi-identifier (place): city")
    if entity == "POSTCODE":
        return Choice("suppress_rare", {}, "quasi-identifier (postcode): rare values suppressed")
    if entity is None and is_numeric(dtype):
        edges = decile_edges(sample)
        if edges:
            return Choice("generalize", {"bins": edges}, "quasi-identifier (number): deciles")
    return Choice("keep", {}, "quasi-identifier: kept, left to the k-anonymity check")


def default_choice(
    classification: str,
    entity: str | None,
    *,
    free_text: bool,
    free_text_policy: str,
    dtype: pa.DataType,
    sample: pa.Array | None = None,
) -> Choice:
    """The operator (and its parameters) a column gets when the spec does not name one."""
    if free_text:
        return _free_text(free_text_policy)
    if classification == "identifier":
        return _identifier(entity, dtype)
    if classification == "quasi_identifier":
        return _quasi(entity, dtype, sample)
    return Choice("keep", {}, f"{classification}: kept")
