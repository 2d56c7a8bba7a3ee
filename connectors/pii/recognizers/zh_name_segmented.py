"""Chinese personal names in free text: the surname rules (zh_name.py) checked against a
word segmentation with part-of-speech tags (jieba, see _segmenter.py).

Candidates come from two sides:
- the rules: after a role, before a title, standing alone;
- the segmentation: a word starting with a known surname followed by one or two more
  characters (without a conjunction or verb jieba glued to it: "和罗萍", "聂旭说"), or a
  lone surname followed by a word of one or two common given-name characters ("李/nr
  红梅/nr" - jieba often splits the surname off).
Where both start at the same character, the segmentation decides where the name ends.

A rule candidate the segmentation reads as part of an ordinary word is dropped: one that
starts inside a word ("黄金总量" is not Mr 金; a role glued to the surname, "客户王/瑞", is
fine) or, longer than a bare surname, lies inside one dictionary word not tagged as a name
("客户满意，", "项目经理", "客户高兴地说").

Scores (the scrubber replaces at 0.4 and counts 0.2-0.4 as doubt):
- right after a role or label / right before a title: 0.6 / 0.5 - sure;
- a word jieba put together itself (not in its dictionary: most real names) with common
  given-name characters, or a split surname + given name where either part is tagged as a
  name ("nr…") or the given name is a doubled character ("丹丹"): 0.5 - sure;
- a name-tagged dictionary word of three characters with common given-name characters
  ("李建国"), or a two-character one tagged "nrfg" ("李强"; not "X家", a family): 0.45;
- a name-tagged word jieba put together with rarer given-name characters, and the rules'
  "standing alone": 0.3 - unsure;
- two-character dictionary words tagged "nr" - mostly ordinary words there (高峰, 文明,
  宁可) - and other name-tagged dictionary words (周转, 王府井, 高新区): found only after a
  role or before a title.
Without a role or title, a word on the list of ordinary words that look like names (张江,
李宁 …) or one followed by a word of firm names ("…电子科技有限公司") is no find.
"""

from __future__ import annotations

import re

from connectors.pii.entities import PERSON
from connectors.pii.recognizers import zh_name
from connectors.pii.recognizers._rule_based import RuleBasedRecognizer
from connectors.pii.recognizers._segmenter import Token, segment
from connectors.pii.recognizers._shapes import CJK

NAME = "ChineseNameRecognizer"
ENTITY = PERSON
CONTEXT_SCORE = zh_name.LABEL_SCORE
TITLE_SCORE = zh_name.TITLE_SCORE
UNKNOWN_WORD_SCORE = 0.5
DICTIONARY_NAME_SCORE = 0.45
WEAK_SCORE = 0.3

Find = tuple[int, int, float, str]
GLUED_BEFORE = "和与跟同及向给由被让请对把"
GLUED_AFTER = "说的与在已称也都等曾向被对把将"  # not 和: common in given names
_HAS_CJK = re.compile(f"[{CJK}]")


def _is_name_tag(tag: str) -> bool:
    return tag.startswith("nr")


def _covering(tokens: list[Token], start: int, end: int) -> Token | None:
    return next((t for t in tokens if t.start <= start and end <= t.end), None)


def _ordinary_word(text: str, tokens: list[Token], start: int, end: int) -> bool:
    """True if the segmentation reads the span as (part of) an ordinary word (module doc)."""
    if any(t.start < start < t.end for t in tokens) and not zh_name.after_role(text, start):
        return True  # but a role glued to the surname ("客户王/瑞") is no ordinary word
    token = _covering(tokens, start, end)
    return (
        end - start > 1
        and token is not None
        and token.in_dictionary
        and not _is_name_tag(token.tag)
        and len(token.word) > 1
    )


def _strip_title(token: Token, text: str) -> tuple[int, int, bool]:
    """The span of a name-tagged word without a title glued to it ("王先生" -> "王")."""
    for cut in range(1, len(token.word)):
        if zh_name.before_title(text, token.start + cut) and zh_name.is_surname(token.word[:cut]):
            return token.start, token.start + cut, True
    return token.start, token.end, False


def _context(text: str, start: int, end: int) -> Find | None:
    if zh_name.after_role(text, start):
        return start, end, CONTEXT_SCORE, "after a role"
    if zh_name.before_title(text, end):
        return start, end, TITLE_SCORE, "before a title"
    return None


def _scored(text: str, start: int, end: int, score: float, rule: str) -> Find | None:
    """A find: sure with a role before or a title after; else by shape, unless the word
    is a known non-name or a firm's trade name."""
    context = _context(text, start, end)
    if context is not None:
        return context
    if zh_name.not_a_name(text[start:end]) or zh_name.before_organization(text, end):
        return None
    return start, end, score, rule


def _given_name_word(token: Token) -> bool:
    """One or two common given-name characters; a doubled one ("丹丹") whatever its tag."""
    word = token.word
    return 1 <= len(word) <= 2 and zh_name.common_given_name(word)


def _trimmed(token: Token) -> Token:
    """An unknown word without a conjunction glued before or a verb or particle after the
    name in it ("和罗萍" -> "罗萍", "聂旭说" -> "聂旭")."""
    if token.in_dictionary or len(token.word) < 3:
        return token
    word, start, end = token.word, token.start, token.end
    if word[0] in GLUED_BEFORE and zh_name.split_surname(word[1:]):
        word, start = word[1:], start + 1
    if len(word) > 2 and word[-1] in GLUED_AFTER:
        word, end = word[:-1], end - 1
    return Token(word, token.tag, start, end, False)


def _name_word(text: str, token: Token) -> Find | None:
    """A find for a word that starts with a surname (module doc for the scores)."""
    token = _trimmed(token)
    surname, given = zh_name.split_surname(token.word) or ("", "")
    if not surname or not 1 <= len(given) <= 2:
        return None
    start, end, titled = _strip_title(token, text)
    if titled:
        return start, end, TITLE_SCORE, "before a title"
    common = zh_name.common_given_name(given)
    if not token.in_dictionary:
        if common:
            return _scored(text, start, end, UNKNOWN_WORD_SCORE, "word found by segmentation")
        if _is_name_tag(token.tag):
            return _scored(text, start, end, WEAK_SCORE, "name found by segmentation")
        return None
    if not _is_name_tag(token.tag):
        return None
    # Two-character "nr" words are mostly ordinary (高峰, 文明); "nrfg" ones are names, but
    # "X家" is a family or a place.
    if common and (len(given) == 2 or (token.tag == "nrfg" and given != "家")):
        return _scored(text, start, end, DICTIONARY_NAME_SCORE, "name in the dictionary")
    return _context(text, start, end)


def _split_name(text: str, surname: Token, given: Token) -> Find | None:
    """A find for a lone surname followed by a given name ("李/nr 红梅/nr")."""
    if given.start != surname.end or not _given_name_word(given):
        return None
    start, end = surname.start, given.end
    tagged = _is_name_tag(surname.tag) or _is_name_tag(given.tag)
    doubled = len(given.word) == 2 and given.word[0] == given.word[1]
    if tagged or doubled:
        return _scored(text, start, end, UNKNOWN_WORD_SCORE, "surname split off")
    return _context(text, start, end)


def _from_words(text: str, tokens: list[Token]) -> list[Find]:
    found: list[Find | None] = []
    for i, token in enumerate(tokens):
        if zh_name.is_surname(token.word):
            if i + 1 < len(tokens):
                found.append(_split_name(text, token, tokens[i + 1]))
        else:
            found.append(_name_word(text, token))
    return [f for f in found if f is not None]


def find(text: str) -> list[Find]:
    """Name spans in text: (start, end, score, rule), the best score kept for each span."""
    rule_finds = zh_name.find(text)
    tokens = segment(text) if _HAS_CJK.search(text) else []
    word_finds = {f[0]: f for f in _from_words(text, tokens)}
    best = dict(word_finds)
    for found in rule_finds:
        start = found[0]
        if start in word_finds:  # where a name ends, the segmentation knows better
            if found[2] > best[start][2]:
                best[start] = (*best[start][:2], found[2], found[3])
        elif (start not in best or best[start][2] < found[2]) and not _ordinary_word(
            text, tokens, start, found[1]
        ):
            best[start] = found
    return sorted(best.values())


class ChineseNameRecognizer(RuleBasedRecognizer):
    """Finds Chinese personal names by surname rules checked against a segmentation."""

    ENTITY = ENTITY
    NAME = NAME
    CONTEXT = zh_name.CONTEXT
    EXPLAINED = "Chinese name {rule}"
    FIND = staticmethod(find)
