"""`tokens.value_keys` and `tokens.number_keys` for whole Arrow arrays at once.

Indexing a million IDs or amounts one Python call at a time takes seconds. Two kinds of
values are simple enough for Arrow's kernels:
- ASCII text: NFKC leaves it as it is and case-folding is lowering; tokens are runs of
  [a-z] and runs of [0-9], everything else separates;
- text of unified Han characters only (most Chinese names): NFKC and case-folding leave it
  as it is, and it is one token, its own key.
The keys are the same as the Python functions give (tests/jobs/redaction compares them);
every other value goes through the Python functions.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from jobs.redaction.tokens import (
    MAX_VALUE_TOKENS,
    MIN_CJK_TOKEN,
    MIN_NUMBER_CHARS,
    MIN_VALUE_CHARS,
    MIN_WORD_TOKEN,
    is_cjk,
)
from jobs.redaction.tokens import value_keys as one_value_keys

# unified Han ideographs (not the compatibility ones, which NFKC rewrites)
_HAN_ONLY = r"^[\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{20000}-\x{2A6DF}]+$"


def _spaced(values: pa.Array) -> pa.Array:
    """Each value's tokens, lowered and joined by one space. Regular expressions cost about
    0.5 s a million values in Arrow: values that are one token already skip them."""
    text = pc.ascii_lower(values)
    cut = pc.match_substring_regex(text, r"[^a-z0-9]|[a-z][0-9]|[0-9][a-z]")
    if not pc.any(cut).as_py():
        return text
    plain = pc.invert(cut)
    text, rest = text.filter(cut), text.filter(plain)
    text = pc.replace_substring_regex(text, r"[^a-z0-9]+", " ")
    text = pc.replace_substring_regex(text, r"([a-z])([0-9])", r"\1 \2")
    text = pc.replace_substring_regex(text, r"([0-9])([a-z])", r"\1 \2")
    return pa.concat_arrays([rest, pc.ascii_trim(text, " ")])


def text_keys(values: pa.Array) -> tuple[pa.Array, int]:
    """The keys of text values (see tokens.value_keys; repeated keys are left for the
    index to drop), and the length of the longest CJK key among them."""
    ascii_only = pc.fill_null(pc.string_is_ascii(values), True)
    han = pc.and_(pc.invert(ascii_only), pc.match_substring_regex(values, _HAN_ONLY))
    han_keys = values.filter(pc.and_(han, pc.greater_equal(pc.utf8_length(values), MIN_CJK_TOKEN)))
    others = values.filter(pc.invert(pc.or_(ascii_only, han))).to_pylist()
    found = [key for value in others for key in one_value_keys(value)]
    longest = max([len(k) for k in found if is_cjk(k)], default=0)
    if len(han_keys):
        longest = max(longest, pc.max(pc.utf8_length(han_keys)).as_py())
    parts = [ascii_keys(values.filter(ascii_only)), han_keys, pa.array(found, pa.string())]
    return pa.concat_arrays([part.cast(pa.string()) for part in parts]), longest


def ascii_keys(values: pa.Array) -> pa.Array:
    """The keys of ASCII text values (see tokens.value_keys)."""
    spaced = _spaced(values)
    spaces = pc.count_substring(spaced, " ")
    several = pc.greater(spaces, 0)
    parts = pc.list_flatten(pc.split_pattern(spaced.filter(several), " "))
    words = parts.filter(pc.greater_equal(pc.utf8_length(parts), MIN_WORD_TOKEN))
    short = pc.less_equal(spaces, MAX_VALUE_TOKENS - 1)
    whole = spaced.filter(pc.and_(short, pc.greater_equal(pc.utf8_length(spaced), MIN_VALUE_CHARS)))
    joined = pc.replace_substring(spaced.filter(pc.and_(short, several)), " ", "")
    return pa.concat_arrays([a.cast(pa.string()) for a in (words, whole, joined)])


def number_keys(texts: pa.Array) -> pa.Array:
    """The keys of numbers written as text (see tokens.number_keys)."""
    bare = pc.ascii_ltrim(pc.ascii_trim(texts, " "), "+-")
    bare = bare.filter(pc.greater_equal(pc.utf8_length(bare), MIN_NUMBER_CHARS))
    integral = pc.extract_regex(bare, rf"^(?P<whole>[0-9]{{{MIN_NUMBER_CHARS},}})\.0*$")
    wholes = pc.struct_field(integral.drop_null(), [0])
    return pa.concat_arrays([_spaced(bare).cast(pa.string()), wholes.cast(pa.string())])
