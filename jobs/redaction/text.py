"""Redacting a text a partner will read (a job's log, its status message).

What is replaced by `[REDACTED]`:
1. every value of the job's inputs the index knows: each token of the text, each run of up
   to `MAX_VALUE_TOKENS` consecutive tokens on one line (a value of several words, however
   it is spaced or quoted), and, inside a run of CJK text with no spaces to cut at, each of
   its substrings of two characters or more (`客户李四光的贷款` shows 李四光);
2. whatever the import's PII recognizers flag (connectors.pii: resident ID numbers, USCC,
   bank cards, mobile numbers, e-mail addresses, Chinese addresses and names), and any run
   of ten digits or more, known to the index or not;
3. when the index is partial (an input too large to index whole), every token with four
   digits or more and every CJK run of two characters or more as well: what the index may
   miss is then cut by its shape.
Spans that overlap are merged; `count` says how many spans were replaced.

`known` is text the reader wrote themselves (a job's spec: its query, its limits): an input
value found in the text is left as it is where it is also a token of `known`, so that the
lab's own messages ("more than the 128 MB of memory it may use") stay readable when a
number happens to be a cell value too. What the PII recognizers flag is replaced anyway.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from connectors.pii.fastscan import LONG_DIGITS, scan_text
from jobs.redaction.index import ValueIndex
from jobs.redaction.tokens import (
    MAX_VALUE_TOKENS,
    MIN_CJK_TOKEN,
    TOKEN,
    is_cjk,
    normalize,
    tokens,
)

REDACTED = "[REDACTED]"
PII_MIN_SCORE = 0.4
_DIGITS = re.compile(r"\d")
Span = tuple[int, int]


@dataclass(frozen=True)
class Redacted:
    text: str
    count: int  # spans replaced


def redact(text: str, index: ValueIndex | None = None, *, known: str = "") -> Redacted:
    """`text` with the inputs' values and anything that looks personal replaced."""
    if not text:
        return Redacted(text, 0)
    index = index or ValueIndex.empty()
    spans = _known_values(text, index)
    if not index.complete:
        spans += _shapes(text)
    if known:
        own = set(tokens(known))
        spans = [(a, b) for a, b in spans if not own.issuperset(tokens(text[a:b]))]
    return _replace(text, spans + _personal(text))


def _known_values(text: str, index: ValueIndex) -> list[Span]:
    if not index.size:
        return []
    found = [(m.start(), m.end(), " ".join(tokens(m.group()))) for m in TOKEN.finditer(text)]
    breaks = [i for i, char in enumerate(text) if char == "\n"]
    lines = [bisect.bisect(breaks, start) for start, _, _ in found]
    keys: list[str] = []
    spans: list[Span] = []
    for i, (start, _, key) in enumerate(found):
        joined = key
        for j in range(i, min(i + MAX_VALUE_TOKENS, len(found))):
            if lines[j] != lines[i]:
                break
            if j > i:
                joined = f"{joined} {found[j][2]}"
            keys.append(joined)
            spans.append((start, found[j][1]))
    for start, end, key in found:
        if len(key) > MIN_CJK_TOKEN and is_cjk(key):
            _cjk_substrings(text[start:end], start, index.longest_cjk, keys, spans)
    hits = index.contains(keys)
    return [span for span, hit in zip(spans, hits, strict=True) if hit]


def _cjk_substrings(
    run: str, offset: int, longest: int, keys: list[str], spans: list[Span]
) -> None:
    """Each substring of a CJK run that could be an indexed CJK token (two characters up to
    the longest the index holds), as a candidate key."""
    size = len(run)
    for a in range(size):
        for b in range(a + MIN_CJK_TOKEN, min(size, a + longest) + 1):
            if b - a == size:
                continue  # the whole run: already a token
            keys.append(normalize(run[a:b]))
            spans.append((offset + a, offset + b))


def _personal(text: str) -> list[Span]:
    spans = [(f.start, f.end) for f in scan_text(text, min_score=PII_MIN_SCORE)]
    spans += [m.span() for m in LONG_DIGITS.finditer(text)]
    return spans


def _shapes(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in TOKEN.finditer(text):
        token = match.group()
        digits = len(_DIGITS.findall(token))
        if digits >= 4 or (len(token) >= MIN_CJK_TOKEN and is_cjk(token)):
            spans.append(match.span())
    return spans


def _replace(text: str, spans: list[Span]) -> Redacted:
    if not spans:
        return Redacted(text, 0)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts: list[str] = []
    at = 0
    for start, end in merged:
        parts.append(text[at:start])
        parts.append(REDACTED)
        at = end
    parts.append(text[at:])
    return Redacted("".join(parts), len(merged))
