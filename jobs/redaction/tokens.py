"""How values and texts are cut into comparable pieces: one rule for both sides.

A value is found in a log only if both were cut the same way, so the index (what the inputs
hold) and the redaction (what a log says) share these functions. Text is normalized with
NFKC and case-folded (full-width digits, `ZHANG SAN` and `zhang san` are the same value),
then split into tokens: runs of CJK characters, runs of other letters, runs of digits.
Splitting letters from digits and CJK from Latin means `M00042`, `客户李四光` or
`ID:110101...` still show the value they hold as a token of their own.

Keys: a value is indexed whole (its tokens joined by one space, so `Zhang  San`,
`Zhang,San` and `zhang san` meet, and joined by nothing, for `ZhangSan`) and token by
token where a token says enough on its own (CJK: two characters; letters and digits:
three). Numbers are indexed whole only, when their text has four characters or more:
every `1`, `12` or `250` of a log is not a value.

Most values are ASCII (codes, numbers, Latin names) or plain Han: `bulk_keys` gives the same
keys for a whole Arrow array at once, so indexing a million of them costs no Python loop.
"""

from __future__ import annotations

import re
import unicodedata

# Han (with extensions and compatibility forms), kana, Hangul syllables
CJK_RANGES = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af\U00020000-\U0002fa1f"
)
TOKEN = re.compile(rf"[{CJK_RANGES}]+|[^\W\d_{CJK_RANGES}]+|\d+")
_CJK = re.compile(rf"[{CJK_RANGES}]")
MIN_CJK_TOKEN = 2
MIN_WORD_TOKEN = 3
MIN_VALUE_CHARS = 2
MIN_NUMBER_CHARS = 4
MAX_VALUE_TOKENS = 6
"""A value of more tokens is indexed by its tokens only: the redaction looks at most this
many consecutive tokens of a line as one candidate value."""


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def tokens(text: str) -> list[str]:
    """The normalized tokens of `text`."""
    return TOKEN.findall(normalize(text))


def is_cjk(token: str) -> bool:
    return bool(token) and _CJK.match(token) is not None


def says_enough(token: str) -> bool:
    """Whether a token of a value is indexed on its own."""
    return len(token) >= (MIN_CJK_TOKEN if is_cjk(token) else MIN_WORD_TOKEN)


def value_keys(value: str) -> list[str]:
    """The keys a text value is indexed under: the whole value and its telling tokens."""
    parts = tokens(value)
    if not parts:
        return []
    keys = [part for part in parts if says_enough(part)]
    whole = " ".join(parts)
    if len(parts) <= MAX_VALUE_TOKENS and len(whole) >= MIN_VALUE_CHARS:
        keys.append(whole)
    if 1 < len(parts) <= MAX_VALUE_TOKENS:
        keys.append("".join(parts))  # printed without its spaces: `ZhangSan`, `20240102`
    return list(dict.fromkeys(keys))


def number_keys(text: str) -> list[str]:
    """The keys a number (or date, time) is indexed under, from its text: the whole number
    when it has four characters or more, and its integral part when the fraction is zero
    (a job printing `int(x)` of 250000.0)."""
    bare = text.strip(" ").lstrip("+-")
    if len(bare) < MIN_NUMBER_CHARS:
        return []
    keys = [" ".join(tokens(bare))]
    whole, dot, fraction = bare.partition(".")
    if dot and fraction.strip("0") == "" and len(whole) >= MIN_NUMBER_CHARS and whole.isdigit():
        keys.append(whole)
    return keys
