"""Part one of the residual scan: the recognizers over what leaves the import as text.

Every distinct value of a column whose operator passes values through (keep, scrub,
suppress_rare) goes through the fast recognizers (`fastscan.scan_text`: our patterns and
their validators: ID-number and USCC checksums, Luhn, mobile prefixes ...). A value counts
as a find when a span of an identifying entity scores at least `MIN_SCORE` (what the
scrubber would have replaced; a name standing alone scores below), an address only when it
is a full one (a city alone is a quasi-identifier, k-anonymity's business). In a free-text
column a run of ten or more digits also counts (an account or ID number no validator
accepted). Integer columns are scanned too, their values of ten digits or more. Values are
remembered across batches (up to `CACHE_LIMIT` a column), so a column of few distinct values
costs little however many rows it has. Outside free text, a value first passes a vectorized
test (`MAY_HOLD`) that every find of ours needs: eleven digits (a mobile number, the
shortest), eighteen letters and digits (a USCC), an @ or a Chinese character; so a column of
ten-digit order numbers or codes costs one regular expression over its values.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from connectors.operators._arrow import is_stringlike
from connectors.pii.entities import IDENTIFIERS, LOCATION
from connectors.pii.fastscan import LONG_DIGITS, scan_text
from connectors.pii.recognizers.zh_address import FULL_SCORE

MIN_SCORE = 0.4
LONG_NUMBER = "LONG_NUMBER"
CACHE_LIMIT = 200_000
_SMALLEST_LONG = 10**9
MAY_HOLD = r"[0-9](?:[ -]?[0-9]){10}|[0-9A-Za-z]{18}|@|[\x{4e00}-\x{9fff}]"


def entities_in(text: str, *, free_text: bool) -> set[str]:
    """The identifying entities found in one value (module doc)."""
    found = {
        f.entity
        for f in scan_text(text, min_score=MIN_SCORE)
        if f.entity in IDENTIFIERS and (f.entity != LOCATION or f.score >= FULL_SCORE)
    }
    if free_text and LONG_DIGITS.search(text):
        found.add(LONG_NUMBER)
    return found


def distinct_text(values: pa.Array, *, free_text: bool, repeats: bool = True) -> list[str]:
    """The distinct non-null values worth scanning, as text: made distinct first, then tested
    with `MAY_HOLD`, or the other way round for values that hardly repeat (`repeats` False:
    the test then reads each value once, and what is made distinct is only what passed it;
    the same values either way)."""
    return [str(v) for v in _distinct(values, free_text=free_text, repeats=repeats)[0]]


def _distinct(values: pa.Array, *, free_text: bool, repeats: bool) -> tuple[list[Any], int, int]:
    """The distinct values worth scanning, and how many non-null values and (when made
    distinct first) distinct values there were: (values, present, distinct or -1)."""
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_integer(values.type):
        big = pc.greater_equal(pc.abs(values), _SMALLEST_LONG)
        values = pc.cast(values.filter(big), pa.string())
    elif not is_stringlike(values.type):
        return [], 0, -1
    values = values.drop_null()
    if not free_text and not repeats:
        return pc.unique(_may_hold(values)).to_pylist(), len(values), -1
    distinct = pc.unique(values)
    found = distinct if free_text else _may_hold(distinct)
    return found.to_pylist(), len(values), len(distinct)


def _may_hold(values: pa.Array) -> pa.Array:
    return values.filter(pc.match_substring_regex(values, MAY_HOLD))


class ValueScan:
    """The recognizers over one output column, batch after batch. A column whose first
    batch proves nearly all distinct (codes, order numbers) is tested before it is made
    distinct from then on (`distinct_text`'s `repeats`)."""

    MOSTLY_DISTINCT = 0.9
    MIN_ROWS = 1024

    def __init__(self, *, free_text: bool) -> None:
        self.free_text = free_text
        self.scanned = 0  # values scanned (a value forgotten with the cache counts again)
        self.found: Counter[str] = Counter()  # entity -> values holding it
        self._seen: set[str] = set()
        self._repeats = True

    def update(self, values: pa.Array) -> None:
        texts, present, distinct = _distinct(
            values, free_text=self.free_text, repeats=self._repeats
        )
        if present >= self.MIN_ROWS and distinct > self.MOSTLY_DISTINCT * present:
            self._repeats = False
        for value in texts:
            text = str(value)
            if text in self._seen:
                continue
            if len(self._seen) >= CACHE_LIMIT:
                self._seen.clear()
            self._seen.add(text)
            self.scanned += 1
            self.found.update(entities_in(text, free_text=self.free_text))
