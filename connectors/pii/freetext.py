"""Free-text columns: remarks and notes, where PII hides inside sentences.

A column is free text when its values are long (median at least 12 characters), most of them
read like prose (sentence punctuation, or four or more words separated by spaces), and no
exact shape is shared by half the values (structured values such as timestamps or codes of
one format share one shape - each character replaced by its class; sentences vary). A
column-name hint such as 备注 / remark says so directly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

_SENTENCE_PUNCTUATION = re.compile(r"[，。、；！？,.;!?]")
_SHAPE = str.maketrans(
    {**{c: "9" for c in "0123456789"}, **{c: "a" for c in "abcdefghijklmnopqrstuvwxyz"}}
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_MEDIAN_LENGTH = 12


def shape(value: str) -> str:
    """The value with each digit as 9, each ASCII letter as a, each Chinese character as 中."""
    return _CJK.sub("中", value.lower().translate(_SHAPE))


def _prose(value: str) -> bool:
    return _SENTENCE_PUNCTUATION.search(value) is not None or len(value.split()) >= 4


def looks_like_free_text(values: Sequence[str]) -> bool:
    """True if the values read like sentences rather than structured data (module doc)."""
    if not values:
        return False
    lengths = sorted(len(v) for v in values)
    if lengths[len(lengths) // 2] < MIN_MEDIAN_LENGTH:
        return False
    if sum(1 for v in values if _prose(v)) < 0.5 * len(values):
        return False
    if len(values) < 5:
        return True
    most_common = Counter(shape(v) for v in values).most_common(1)[0][1]
    return most_common < 0.5 * len(values)
