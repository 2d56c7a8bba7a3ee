"""Chinese personal names by rule: a common surname plus one or two given-name characters.

There is no NER here, so names are found only where the shape and the surroundings agree:
- after a label ("姓名：王伟", "联系人张三电话…", "法人代表李四") - score 0.6;
- before a title ("王先生", "李经理") - score 0.5;
- standing alone between non-Chinese characters ("，王伟，") with common given-name
  characters - score 0.3, below the usual 0.4 threshold: a sign that the cell may hold a
  name; context words nearby (see context.py) raise it.
"""

from __future__ import annotations

import re

from connectors.pii.entities import PERSON
from connectors.pii.recognizers._rule_based import RuleBasedRecognizer
from connectors.pii.recognizers._shapes import CJK
from connectors.pii.recognizers._zh_lexicon import (
    COMPOUND_SURNAMES,
    GIVEN_NAME_CHARS,
    NAME_FOLLOWERS,
    NAME_LABELS,
    NAME_TITLES,
    SINGLE_SURNAMES,
)

NAME = "ChineseNameRecognizer"
ENTITY = PERSON
SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + f"|[{SINGLE_SURNAMES}])"
_ANY = f"[{CJK}]"
_COMMON = f"[{GIVEN_NAME_CHARS}]"
_LABEL = "(?:" + "|".join(NAME_LABELS) + ")"
_TITLE = "(?:" + "|".join(NAME_TITLES) + ")"
_NEXT = "(?:" + "|".join(NAME_FOLLOWERS) + ")"

LABELED = re.compile(_LABEL + r"[:：\s]{0,2}(" + SURNAME + _ANY + f"{{1,2}})(?=$|[^{CJK}]|{_NEXT})")
TITLED = re.compile("(" + SURNAME + _ANY + "{0,2}?)(?=" + _TITLE + ")")
ALONE = re.compile(f"(?<![{CJK}])(" + SURNAME + _COMMON + f"{{1,2}})(?![{CJK}])")
_STRICT = re.compile(SURNAME + _COMMON + "{1,2}")
_LOOSE = re.compile(SURNAME + _ANY + "{1,2}")

_RULES = (
    (LABELED, 0.6, "after a name label"),
    (TITLED, 0.5, "before a title"),
    (ALONE, 0.3, "standing alone"),
)
_CONTEXT = [*NAME_LABELS, "客户", "name", "contact"]


def matches(value: str, *, strict: bool = True) -> bool:
    """True if the whole value looks like a Chinese name (known surname + 1-2 characters).

    strict: the given name must use common given-name characters (for columns without a
    name hint); otherwise any Chinese characters will do.
    """
    return (_STRICT if strict else _LOOSE).fullmatch(value) is not None


def find(text: str) -> list[tuple[int, int, float, str]]:
    """Name spans in text: (start, end, score, rule), the best rule kept for each span."""
    found: dict[tuple[int, int], tuple[float, str]] = {}
    for pattern, score, rule in _RULES:
        for match in pattern.finditer(text):
            span = match.span(1)
            if span not in found or found[span][0] < score:
                found[span] = (score, rule)
    return [(start, end, score, rule) for (start, end), (score, rule) in sorted(found.items())]


class ChineseNameRecognizer(RuleBasedRecognizer):
    """Finds Chinese personal names by surname list and surroundings (PERSON, low scores)."""

    ENTITY = ENTITY
    NAME = NAME
    CONTEXT = _CONTEXT
    EXPLAINED = "Chinese name {rule}"
    FIND = staticmethod(find)
