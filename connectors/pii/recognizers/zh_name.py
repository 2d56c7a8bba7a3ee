"""Chinese personal names by rule: a common surname plus one or two given-name characters.

The rules give candidate spans with a score; zh_name_segmented.py checks them against a
word segmentation and adds the names the segmentation finds. The rules:
- after a role or label ("姓名：王伟", "联系人张三电话…", "客户王瑞，…") - score 0.6;
- before a title ("王先生", "李经理", "王总") - score 0.5;
- standing alone between non-Chinese characters ("，王伟，") with common given-name
  characters - score 0.3, below the usual 0.4 threshold: a sign that the cell may hold a
  name.
"""

from __future__ import annotations

import re

from connectors.pii.entities import PERSON
from connectors.pii.recognizers._shapes import CJK
from connectors.pii.recognizers._zh_lexicon import (
    COMPOUND_SURNAMES,
    GIVEN_NAME_CHARS,
    NAME_FOLLOWERS,
    NAME_LABELS,
    NAME_ROLES,
    NAME_TITLES,
    NOT_AFTER_ZONG,
    NOT_NAMES,
    ORGANIZATION_WORDS,
    SINGLE_SURNAMES,
)

ENTITY = PERSON
LABEL_SCORE = 0.6
TITLE_SCORE = 0.5
ALONE_SCORE = 0.3
SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + f"|[{SINGLE_SURNAMES}])"
_ANY = f"[{CJK}]"
_COMMON = f"[{GIVEN_NAME_CHARS}]"
_ROLE = "(?:" + "|".join(sorted(NAME_ROLES, key=len, reverse=True)) + ")"
_TITLE = "(?:" + "|".join(NAME_TITLES) + f"|总(?![{NOT_AFTER_ZONG}]))"
_NEXT = "(?:" + "|".join(NAME_FOLLOWERS) + ")"
SEPARATOR = r"[:：\s]{0,2}"

# After a role, a blank between surname and given name does not hide the name ("张 军").
LABELED = re.compile(
    _ROLE + SEPARATOR + "(" + SURNAME + "[ \u3000]?" + _ANY + f"{{1,2}})(?=$|[^{CJK}]|{_NEXT})"
)
TITLED = re.compile("(" + SURNAME + _ANY + "{0,2}?)(?=" + _TITLE + ")")
ALONE = re.compile(f"(?<![{CJK}])(" + SURNAME + _COMMON + f"{{1,2}})(?![{CJK}])")
AFTER_ROLE = re.compile(_ROLE + SEPARATOR + "$")
BEFORE_TITLE = re.compile(_TITLE)
BEFORE_ORGANIZATION = re.compile("(?:" + "|".join(ORGANIZATION_WORDS) + ")")
_STRICT = re.compile(SURNAME + _COMMON + "{1,2}")
_LOOSE = re.compile(SURNAME + _ANY + "{1,2}")
_SURNAME = re.compile(SURNAME)

RULES = (
    (LABELED, LABEL_SCORE, "after a role"),
    (TITLED, TITLE_SCORE, "before a title"),
    (ALONE, ALONE_SCORE, "standing alone"),
)
# Words that, anywhere near a weak find, make it a name (the analyzer's context window).
# The broad roles (客户, 老板 …) count only right before a name: remarks are full of them.
CONTEXT = [*NAME_LABELS, "name", "contact"]


def matches(value: str, *, strict: bool = True) -> bool:
    """True if the whole value looks like a Chinese name (known surname + 1-2 characters).

    strict: the given name must use common given-name characters (for columns without a
    name hint); otherwise any Chinese characters will do.
    """
    return (_STRICT if strict else _LOOSE).fullmatch(value) is not None


def is_surname(word: str) -> bool:
    """True for a single or compound surname on our list."""
    return _SURNAME.fullmatch(word) is not None


def common_given_name(chars: str) -> bool:
    """True if every character is common in given names."""
    return bool(chars) and all(c in GIVEN_NAME_CHARS for c in chars)


def split_surname(word: str) -> tuple[str, str] | None:
    """(surname, given name) for a word starting with a known surname, compound first."""
    match = _SURNAME.match(word)
    if match is None:
        return None
    return word[: match.end()], word[match.end() :]


def after_role(text: str, start: int) -> bool:
    """True if a role or label ends right before `start` (a separator or two allowed)."""
    return AFTER_ROLE.search(text[max(0, start - 8) : start]) is not None


def before_title(text: str, end: int) -> bool:
    """True if a title starts right at `end`."""
    return BEFORE_TITLE.match(text, end) is not None


def before_organization(text: str, end: int) -> bool:
    """True if a word of firm names starts at `end` ("…电子科技有限公司")."""
    return BEFORE_ORGANIZATION.match(text, end) is not None


def not_a_name(word: str) -> bool:
    """True for ordinary words that look like names (places, brands: 张江, 王府井)."""
    return word in _NOT_NAMES


_NOT_NAMES = frozenset(NOT_NAMES)


def find(text: str) -> list[tuple[int, int, float, str]]:
    """Name spans in text: (start, end, score, rule), the best rule kept for each span."""
    found: dict[tuple[int, int], tuple[float, str]] = {}
    for pattern, score, rule in RULES:
        for match in pattern.finditer(text):
            span = match.span(1)
            if span not in found or found[span][0] < score:
                found[span] = (score, rule)
    return [(start, end, score, rule) for (start, end), (score, rule) in sorted(found.items())]
