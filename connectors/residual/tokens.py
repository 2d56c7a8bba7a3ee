"""What of a text could be a raw value: the forms both sides of the residual scan compare.

Both sides are canonical: trimmed, ASCII letters lower-cased; raw values of one character
are left out (too common to look for). A raw value counts in two forms when it is a number
written with spaces or dashes ("138 1234 5678" and "13812345678"). On the output side, a
cell counts whole; a cell of a column whose operator passes values through (keep, scrub,
suppress_rare) also counts by its pieces:
- words of letters, digits and @ . _ + - (an e-mail, a USCC, an ID number with its X);
- runs of digits, spaces and dashes between digits removed (a card number written in groups);
- runs of Chinese characters, whole (a name or an address set off by punctuation);
- every window of two to four Chinese characters (a name inside a sentence: 客户张军来电),
  and of two or three Latin words ("met John Smith").
A longer raw value (an address, an organization) inside a longer run of Chinese characters
is not found by pieces; the recognizers' scan of the same column is what finds addresses.
Splitting is the costly step, so a cell is split only when a cheap match says it has
something to split: a word separator, digits next to other characters, Chinese characters
next to others. Words and digit runs, ASCII, are cut from the bytes (bytewise.runs; a piece
left empty by splitting is no raw value's form, which has two characters at least); runs
of Chinese characters by Arrow's regular-expression split.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from connectors.operators._arrow import as_text
from connectors.residual.bytewise import Mask, byte_set, digits_among_others, holding, runs

_GROUPED_DIGITS = r"([0-9])[ -]+([0-9])"
_CJK_SEPARATORS = r"[^\x{4e00}-\x{9fff}]+"
_HAS_WINDOWS = r"[\x{4e00}-\x{9fff}]{2}|[a-z] +[a-z]"
# the same tests, or a first sieve, read from the bytes (bytewise.py): exact for ASCII
_SPACE_OR_DASH = byte_set(" -")  # what _GROUPED_DIGITS needs
_WORD = byte_set("0123456789abcdefghijklmnopqrstuvwxyz@._+-")  # a word's characters
_WORD_SEPARATOR = ~_WORD  # exact
_DIGIT_RUN = byte_set("0123456789x")  # a number's characters (x: an ID number's last)
_NON_ASCII = byte_set(non_ascii=True)  # a Chinese character needs one
_SPACE_OR_NON_ASCII = byte_set(" ", non_ascii=True)  # what _HAS_WINDOWS needs
_CJK = r"\x{4e00}-\x{9fff}"
_HAS_CJK_AMONG_OTHERS = f"[{_CJK}][^{_CJK}]|[^{_CJK}][{_CJK}]"
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_LATIN_WORD = re.compile(r"[a-z][a-z'-]*")
CJK_WINDOWS = range(2, 5)
LATIN_WINDOWS = range(2, 4)
MIN_LENGTH = 2


def canonical(values: pa.Array) -> pa.Array:
    """The non-null values as trimmed strings, ASCII letters in lower case."""
    return pc.ascii_lower(pc.utf8_trim_whitespace(strings(values).drop_null()))


def strings(values: pa.Array) -> pa.Array:
    """The values as strings, row for row (nulls kept)."""
    text = as_text(values)
    if pa.types.is_dictionary(text.type):
        text = text.dictionary_decode()
    if not pa.types.is_string(text.type):
        text = pc.cast(text, pa.string())
    return text


def _long_enough(text: pa.Array) -> pa.Array:
    """Values of two characters or more (bytes tell at once for most: a character is at
    most four)."""
    short = pc.less(pc.binary_length(text), 4 * MIN_LENGTH)
    if not pc.any(short).as_py():
        return text
    return text.filter(pc.or_(pc.invert(short), pc.greater_equal(pc.utf8_length(text), MIN_LENGTH)))


def _compact_digits(text: pa.Array) -> pa.Array:
    for _ in range(2):  # "1 2 3": matches do not overlap, a second round joins the rest
        text = pc.replace_substring_regex(text, _GROUPED_DIGITS, r"\1\2")
    return text


def _kept(text: pa.Array, mask: Mask | None) -> pa.Array:
    """The values `mask` marks (none when it is None)."""
    return text.slice(0, 0) if mask is None else text.filter(pa.array(mask))


def _grouped(text: pa.Array) -> pa.Array:
    """The values with digits grouped by spaces or dashes."""
    spaced = _kept(text, holding(text, _SPACE_OR_DASH))
    return spaced.filter(pc.match_substring_regex(spaced, _GROUPED_DIGITS))


def raw_forms(values: pa.Array) -> pa.Array:
    """A raw column's values as the scan remembers them (canonical, and compacted numbers)."""
    text = _long_enough(canonical(values))
    grouped = _grouped(text)
    return pa.concat_arrays([text, _compact_digits(grouped)]) if len(grouped) else text


def _worth(text: pa.Array, pattern: str) -> pa.Array:
    return text.filter(pc.match_substring_regex(text, pattern))


def _split(text: pa.Array, separators: str) -> pa.Array:
    return pc.list_flatten(pc.split_pattern_regex(text, separators))


def pieces(text: pa.Array) -> pa.Array:
    """Words, digit runs and Chinese runs of canonical cells (see the module doc), where they
    differ from the whole cell. Only cells with grouped digits are compacted (the others
    would come out the same), and the order of the pieces is no matter."""
    words = pc.utf8_trim(runs(_kept(text, holding(text, _WORD_SEPARATOR)), _WORD), "._+-")
    among = _kept(text, digits_among_others(text))
    spaced = holding(among, _SPACE_OR_DASH)
    if spaced is not None:
        plain, grouped = _kept(among, ~spaced), _kept(among, spaced)
        among = pa.concat_arrays([plain, _compact_digits(grouped)])
    digits = runs(among, _DIGIT_RUN)
    cjk = _split(
        _worth(_kept(text, holding(text, _NON_ASCII)), _HAS_CJK_AMONG_OTHERS), _CJK_SEPARATORS
    )
    return pa.concat_arrays([words, digits, cjk])


def needs_windows(text: pa.Array) -> pa.Array:
    """The canonical cells holding two Chinese characters in a row or two Latin words."""
    return _worth(_kept(text, holding(text, _SPACE_OR_NON_ASCII)), _HAS_WINDOWS)


def windows(text: str) -> list[str]:
    """The windows of a canonical cell: two to four Chinese characters, two or three words."""
    found: list[str] = []
    for run in _CJK_RUN.findall(text):
        for length in CJK_WINDOWS:
            found += [run[at : at + length] for at in range(len(run) - length + 1)]
    words = _LATIN_WORD.findall(text)
    for n in LATIN_WINDOWS:
        found += [" ".join(words[at : at + n]) for at in range(len(words) - n + 1)]
    return found
