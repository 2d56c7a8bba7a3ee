"""Names known to be names: the values of an import's person-name columns, found again
inside free text with no context at all.

A remarks cell saying "张军说资金周转困难" names a customer whose name is also in the name
column; rules may miss it, the name column does not. `KnownNames` holds those values and
finds each occurrence:
- Chinese (and other CJK) names of two or more characters, as substrings: for each run of
  CJK characters, each substring of 2 to `longest` characters is looked up in a set;
- Latin-script names as whole words: for each window of 1 to `longest` consecutive words,
  the words (case-folded, single-spaced) are looked up in a set; a one-word name must be
  capitalized in the text ("Will" the name, not "will" the verb), a name of two or more
  words is found in any case ("john smith").
Lookups are set membership, so the cost per cell grows with its length, not with the
number of names: a million names cost memory (about 60 bytes each), not time. No regex is
built from the values. Where matches overlap, the longest wins, then the leftmost.

Every occurrence is replaced, so a two-character name that is also a word (高峰, 文明, 杨梅)
takes that word out of every remark: with 20,000 distinct Faker names known, about one
name-free sentence in twenty lost a word (bench/names_precision.py). That costs utility,
never privacy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa

CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK_CHARS}·•]+")
_CJK_NAME = re.compile(f"[{CJK_CHARS}][{CJK_CHARS}·•]*[{CJK_CHARS}]")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:['’-][A-Za-z\u00c0-\u024f]+)*")
_GAP = re.compile(r"[\s.]+")
_LATIN_NAME = re.compile(r"[A-Za-z\u00c0-\u024f'’ .-]+")
MIN_CJK = 2
MAX_CJK = 12
MIN_LATIN = 2
MAX_WORDS = 4

Span = tuple[int, int]


class KnownNames:
    """A set of personal names to find in free text (module doc)."""

    def __init__(self, values: pa.Array | pa.ChunkedArray | Iterable[str | None] = ()) -> None:
        self._cjk: set[str] = set()
        self._latin: set[str] = set()
        self._longest_cjk = 0
        self._most_words = 0
        self.add(values)

    def __len__(self) -> int:
        return len(self._cjk) + len(self._latin)

    def add(self, values: pa.Array | pa.ChunkedArray | Iterable[str | None]) -> None:
        """Adds names; nulls, blanks and values that are not a plausible name are skipped
        (a CJK name of one character, a Latin word of one letter, digits, mixed scripts)."""
        if isinstance(values, pa.Array | pa.ChunkedArray):
            values = values.to_pylist()
        for value in values:
            if value is None:
                continue
            name = " ".join(str(value).split())
            if _CJK_NAME.fullmatch(name) and len(name) <= MAX_CJK:
                self._cjk.add(name)
                self._longest_cjk = max(self._longest_cjk, len(name))
            elif _LATIN_NAME.fullmatch(name):
                words = _LATIN_WORD.findall(name)
                if words and len(words) <= MAX_WORDS and len("".join(words)) >= MIN_LATIN:
                    self._latin.add(" ".join(words).casefold())
                    self._most_words = max(self._most_words, len(words))

    def find(self, text: str) -> list[Span]:
        """Spans of known names in text, in order, not overlapping (module doc)."""
        spans: list[Span] = []
        if self._cjk:
            spans += self._find_cjk(text)
        if self._latin:
            spans += self._find_latin(text)
        return _longest_first(spans)

    def _find_cjk(self, text: str) -> list[Span]:
        spans = []
        for run in _CJK_RUN.finditer(text):
            start, end = run.span()
            for i in range(start, end - MIN_CJK + 1):
                for j in range(min(end, i + self._longest_cjk), i + MIN_CJK - 1, -1):
                    if text[i:j] in self._cjk:
                        spans.append((i, j))
                        break
        return spans

    def _find_latin(self, text: str) -> list[Span]:
        words = [(m.start(), m.end(), m.group()) for m in _LATIN_WORD.finditer(text)]
        spans = []
        for i in range(len(words)):
            key = ""
            capitalized = True
            for j in range(i, min(len(words), i + self._most_words)):
                start, end, word = words[j]
                if j > i and not _GAP.fullmatch(text, words[j - 1][1], start):
                    break  # only blanks (and an initial's dot) between the words of a name
                capitalized = capitalized and word[0].isupper()
                key = f"{key} {word.casefold()}" if key else word.casefold()
                # One word must be capitalized ("Will" the name, not "will" the verb); a known
                # name of two or more words is specific enough in any case ("john smith").
                if key in self._latin and (capitalized or j > i):
                    spans.append((words[i][0], end))
        return spans


def _longest_first(spans: list[Span]) -> list[Span]:
    chosen: list[Span] = []
    for start, end in sorted(set(spans), key=lambda s: (s[0] - s[1], s[0])):
        if all(end <= a or start >= b for a, b in chosen):
            chosen.append((start, end))
    return sorted(chosen)
