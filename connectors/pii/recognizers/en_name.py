"""Latin-script personal names (English, pinyin) in free text, by capitalization and context.

A name is a run of one to three capitalized words ("John Smith", "O'Brien", "Smith-Jones",
"John F. Kennedy"; in capitals only after a title or role). Where it stands decides:
- after a title ("Mr. Smith", "Dr Jane Doe", "Dear John") - score 0.5;
- after a role, in English or Chinese ("Contact John Smith", "signed by Jane Doe",
  "attn: John Smith", "legal representative: Zhang Wei", "联系人John Smith") - score 0.6;
- a bare pair starting with a common given name or holding a pinyin surname ("John Smith
  called", "Zhang Wei") - score 0.3: unsure, never replaced on its own;
- any other capitalized pair ("Credit Committee", "Hong Kong") - nothing.
Capitalized words that are not names (Bank, Service, Monday, The …; see _en_lexicon.py) end
a run, so "Contact Customer Service" names nobody.
"""

from __future__ import annotations

import re

from connectors.pii.entities import PERSON
from connectors.pii.recognizers import zh_name
from connectors.pii.recognizers._en_lexicon import (
    FIRST_NAMES,
    NOT_NAMES,
    PINYIN_SURNAMES,
    ROLE_PHRASES,
    ROLE_WORDS,
    TITLES,
)
from connectors.pii.recognizers._rule_based import RuleBasedRecognizer

NAME = "LatinNameRecognizer"
ENTITY = PERSON
ROLE_SCORE = 0.6
TITLE_SCORE = 0.5
BARE_SCORE = 0.3
MAX_WORDS = 3

_WORD = re.compile(
    r"(?<![A-Za-z0-9'])(?:(?:Mc|Mac|O')?[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]{2,}(?:['-][A-Z]+)?)"
    r"(?![A-Za-z0-9])"
)
_GAP = re.compile(r" (?:[A-Z]\. )?")  # between the words of one run ("John F. Kennedy")
_TITLE_GAP = re.compile(r"\. ?| ")  # after a title ("Mr. Smith", "Mr.Smith")
_ROLE_BEFORE = re.compile(r"(?i:(?<![a-z])(?:" + "|".join(ROLE_PHRASES) + r"))\s*[:：,-]?\s*$")
_LEADING = TITLES | ROLE_WORDS
CONTEXT = ["name", "contact", "customer", "payee", "attn", "signed"]

Find = tuple[int, int, float, str]
_Word = tuple[int, int, str]


def _runs(text: str) -> list[list[_Word]]:
    """Capitalized words grouped into runs separated by single spaces (and title dots)."""
    runs: list[list[_Word]] = []
    for match in _WORD.finditer(text):
        word = (match.start(), match.end(), match.group())
        gap = _TITLE_GAP if runs and runs[-1][-1][2].lower() in TITLES else _GAP
        if runs and gap.fullmatch(text[runs[-1][-1][1] : match.start()]):
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _name_in(run: list[_Word], text: str) -> Find | None:
    """The name in one run of capitalized words, scored by what stands before it."""
    before = text[max(0, run[0][0] - 24) : run[0][0]]
    role = _ROLE_BEFORE.search(before) is not None or zh_name.after_role(text, run[0][0])
    title = False
    at = 0
    while at < len(run) and run[at][2].lower() in _LEADING:
        title = title or run[at][2].lower() in TITLES
        role = role or run[at][2].lower() in ROLE_WORDS
        at += 1
    words: list[_Word] = []
    for word in run[at:]:
        lowered = word[2].lower()
        if lowered in NOT_NAMES or lowered in ROLE_WORDS or lowered in TITLES:
            break
        if len(words) == MAX_WORDS:
            break
        words.append(word)
    if not words:
        return None
    start, end = words[0][0], words[-1][1]
    if title:
        return start, end, TITLE_SCORE, "after a title"
    if role:
        return start, end, ROLE_SCORE, "after a role"
    if any(w[2].isupper() for w in words):
        return None  # capitals only ("NEW ACCOUNT"): a name only after a title or role
    names = [w[2].lower() for w in words]
    if len(words) >= 2 and (names[0] in FIRST_NAMES or any(w in PINYIN_SURNAMES for w in names)):
        return start, end, BARE_SCORE, "capitalized words"
    return None


def find(text: str) -> list[Find]:
    """Latin-script name spans in text: (start, end, score, rule)."""
    if not any("A" <= c <= "Z" for c in text):
        return []
    return [found for run in _runs(text) if (found := _name_in(run, text)) is not None]


class LatinNameRecognizer(RuleBasedRecognizer):
    """Finds Latin-script personal names by capitalization, titles and roles."""

    ENTITY = ENTITY
    NAME = NAME
    CONTEXT = CONTEXT
    EXPLAINED = "Latin-script name {rule}"
    FIND = staticmethod(find)
