"""The import's own names: the values of its person columns, found again inside free text.

A name with no label or title around it ("张军来电") scores too low for the recognizers to
replace it; but when the same file has a column of people's names, those exact values are
known, and finding them is a set lookup. `find` looks up every run of two to four Chinese
characters and every window of one to three Latin words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
CJK_LENGTHS = range(2, 5)
LATIN_WORDS = range(1, 4)
MIN_LATIN_CHARS = 3


class KnownNames:
    """A set of names (memory: the distinct names) and where they occur in a text."""

    def __init__(self, values: Iterable[str | None] = ()) -> None:
        self._names: set[str] = set()
        self.add(values)

    def __len__(self) -> int:
        return len(self._names)

    def add(self, values: Iterable[str | None]) -> None:
        """Adds names; blanks, one-character and short Latin values (too common) are not."""
        for value in values:
            if value is None:
                continue
            name = " ".join(value.split())
            if _CJK_RUN.fullmatch(name) and len(name) in CJK_LENGTHS:
                self._names.add(name)
            elif len(name) >= MIN_LATIN_CHARS and all(
                _LATIN_WORD.fullmatch(w) for w in name.split(" ")
            ):
                self._names.add(name.casefold())

    def find(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) spans of known names in `text`, longest first where they
        overlap, in order."""
        found: list[tuple[int, int]] = []
        for run in _CJK_RUN.finditer(text):
            found += self._windows(run.start(), run.group())
        words = list(_LATIN_WORD.finditer(text))
        for i in range(len(words)):
            for n in reversed(LATIN_WORDS):
                if i + n > len(words):
                    continue
                start, end = words[i].start(), words[i + n - 1].end()
                joined = " ".join(w.group() for w in words[i : i + n]).casefold()
                if joined in self._names:
                    found.append((start, end))
                    break
        return _without_overlaps(found)

    def _windows(self, offset: int, run: str) -> list[tuple[int, int]]:
        spans = []
        for length in reversed(CJK_LENGTHS):
            for at in range(len(run) - length + 1):
                if run[at : at + length] in self._names:
                    spans.append((offset + at, offset + at + length))
        return spans


def _without_overlaps(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept
