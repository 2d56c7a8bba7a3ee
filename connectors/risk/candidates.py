"""Which output columns are candidate quasi-identifiers: what an attacker could know about a
record and look it up by. Judged by the values, not the column names:

- `categorical`: 2 to `CATEGORICAL_MAX` distinct values (industry, region, a rating, a band
  label, a small count), text or number;
- `date`: date or timestamp columns, and text that reads as dates ("2023-05", "2023-05-17");
- `geography`: text that reads as places or addresses (a city after generalization);
- `amount`: numbers with more than `CATEGORICAL_MAX` distinct values, or distinct in more
  than half the rows (exact sales, ratios: a small file has few values, all exact);
- `text`: other text with many values that is not nearly all distinct.

Not candidates:
- pseudonyms and surrogates (by the plan's operator) and any text column whose values are
  nearly all distinct (by the data): a pseudonym is unique by design. It links the records of
  one entity, across datasets of the tenant too, but says nothing an attacker can look up:
  re-identifying through it needs the key or another quasi-identifier. Counting it would
  make every record "unique" and hide the columns that really single records out;
- free text (by the plan: scrubbed or classified free text): no two cells share a value;
- constant columns: they split nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from connectors.pii.recognizers import zh_address
from connectors.report import ImportPlan
from connectors.risk.classes import encode

Kind = Literal["categorical", "date", "geography", "amount", "text"]
CATEGORICAL_MAX = 200
NEARLY_ALL_DISTINCT = 0.9
MOSTLY_DISTINCT = 0.5
MIN_ROWS_FOR_DISTINCT = 20
TEXT_SHARE = 0.9
PLACE_SHARE = 0.6
LOOKED_AT = 200
_DATE_TEXT = re.compile(r"^\s*(19|20)\d{2}(\s*[-/.年]\s*\d{1,2}(\s*[-/.月]\s*\d{1,2}\s*日?)?)?\s*$")

PSEUDONYM = (
    "pseudonym: unique by design; it links one entity's records but does not re-identify "
    "by itself, so it is left out of the combinations"
)
SURROGATE = "surrogate: a keyed fake, unique like a pseudonym; left out of the combinations"
FREE_TEXT = "free text: cells are not shared values an attacker can look up"
NEARLY_UNIQUE = (
    "nearly every value distinct text: an identifier or pseudonym, not a quasi-identifier "
    "(if it is a raw identifier, pseudonymize or drop it)"
)
CONSTANT = "one value only: splits nothing"


@dataclass(frozen=True)
class Candidate:
    column: str
    kind: Kind
    distinct: int

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "kind": self.kind, "distinct": self.distinct}


def plan_exclusions(plan: ImportPlan) -> dict[str, str]:
    """Columns the plan already tells are no candidates, with why."""
    out: dict[str, str] = {}
    for c in plan.columns:
        if c.operator == "pseudonym":
            out[c.column] = PSEUDONYM
        elif c.operator == "surrogate":
            out[c.column] = SURROGATE
        elif c.free_text or c.operator == "scrub":
            out[c.column] = FREE_TEXT
    return out


def _share(values: pa.Array, test: Any) -> float:
    looked = values[: min(len(values), LOOKED_AT)].to_pylist()
    return sum(1 for v in looked if test(str(v))) / len(looked) if looked else 0.0


def _place(value: str) -> bool:
    return zh_address.kind_of(value) is not None or zh_address.is_place(value)


def kind_of(
    values: pa.Array | pa.ChunkedArray, encoded: pa.DictionaryArray | None = None
) -> tuple[Kind | None, int, str]:
    """The column's kind (None: not a candidate), its distinct non-null values, and why not.
    `encoded`: the values dictionary-encoded (classes.encode), if the caller has them."""
    encoded = encode(values) if encoded is None else encoded
    # in order of first appearance, as pc.unique; a column of nulls only encodes its null
    distinct_values = encoded.dictionary.drop_null()
    distinct = len(distinct_values)
    if distinct <= 1:
        return None, distinct, CONSTANT
    dtype = distinct_values.type
    rows = len(encoded) - encoded.null_count
    if pa.types.is_date(dtype) or pa.types.is_timestamp(dtype):
        return "date", distinct, ""
    if pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype):
        mostly_distinct = rows >= MIN_ROWS_FOR_DISTINCT and distinct > MOSTLY_DISTINCT * rows
        amount = distinct > CATEGORICAL_MAX or mostly_distinct
        return ("amount" if amount else "categorical"), distinct, ""
    if pa.types.is_boolean(dtype):
        return "categorical", distinct, ""
    text = pc.cast(distinct_values, pa.string())
    if _share(text, lambda v: _DATE_TEXT.match(v) is not None) >= TEXT_SHARE:
        return "date", distinct, ""
    if _share(text, _place) >= PLACE_SHARE:
        return "geography", distinct, ""
    if rows >= MIN_ROWS_FOR_DISTINCT and distinct > NEARLY_ALL_DISTINCT * rows:
        return None, distinct, NEARLY_UNIQUE
    return ("categorical" if distinct <= CATEGORICAL_MAX else "text"), distinct, ""


def choose_candidates(
    table: pa.Table,
    excluded: Mapping[str, str],
    encoded: Mapping[str, pa.DictionaryArray] | None = None,
) -> tuple[list[Candidate], dict[str, str]]:
    """The candidate quasi-identifiers among `table`'s columns, and every other column with
    why it is not one (`encoded`: columns already dictionary-encoded, by name)."""
    candidates: list[Candidate] = []
    left_out = {c: why for c, why in excluded.items()}
    for name in table.column_names:
        if name in left_out:
            continue
        kind, distinct, why = kind_of(table.column(name), (encoded or {}).get(name))
        if kind is None:
            left_out[name] = why
        else:
            candidates.append(Candidate(name, kind, distinct))
    return candidates, left_out
