"""Chinese addresses by shape: administrative levels, then road, number, estate, building.

An address is a run of components in the usual order - province (from the list), city
(…市/州/地区/盟), district (…区/县/旗), town (…镇/乡/街道), road (…路/街/大道/巷/胡同/弄),
number (…号), estate (…小区/花园/大厦/村…), building parts (…栋/单元/室…), optional postcode.
At least two components are needed. One with a road, number, town, estate or building part
is a full address (score 0.6, an identifier); one of administrative levels only ("北京市朝阳区")
is a place (score 0.4, a quasi-identifier). Place names never contain 在, 住, 于 … (see
NOT_IN_PLACE), which keeps "我住在" out of the match.
"""

from __future__ import annotations

import re

from connectors.pii.entities import LOCATION
from connectors.pii.recognizers._rule_based import RuleBasedRecognizer
from connectors.pii.recognizers._shapes import CJK
from connectors.pii.recognizers._zh_lexicon import NOT_IN_PLACE, PROVINCES

NAME = "ChineseAddressRecognizer"
ENTITY = LOCATION
FULL_SCORE = 0.6
PLACE_SCORE = 0.4

_P = f"(?:(?![{NOT_IN_PLACE}])[{CJK}])"
_R = f"(?:(?![{NOT_IN_PLACE}])[{CJK}0-9A-Za-z])"
_NUM = "(?:[0-9]{1,5}|[一二三四五六七八九十百零]{1,4})"
REGEX = (
    f"(?P<province>{PROVINCES})?"
    f"(?P<city>{_P}{{1,6}}?(?:自治州|地区|盟|市))?"
    f"(?P<district>{_P}{{1,6}}?(?:区|县|旗))?"
    f"(?P<town>{_P}{{1,6}}?(?:街道|镇|乡))?"
    f"(?P<road>(?:{_R}{{1,10}}?(?:大道|大街|胡同|路|街|巷|弄|道))+)?"
    f"(?P<number>{_NUM}(?:号|弄)(?:院)?)?"
    f"(?P<estate>{_P}{{1,8}}?(?:小区|花园|大厦|公寓|家园|广场|社区|村|组|苑))?"
    f"(?P<building>(?:[0-9A-Za-z一二三四五六七八九十]{{1,5}}(?:号楼|栋|幢|座|单元|楼|层|室|号))+)?"
    r"(?P<postcode>\s*(?<![0-9])[1-9][0-9]{5}(?![0-9]))?"
)
PATTERN = re.compile(REGEX)
# Every component but a bare province name ends with one of these; an address needs two
# components, so text with fewer markers is skipped without running PATTERN.
_MARKER = re.compile("[省市州区县旗盟镇乡街道路巷弄号院栋幢座室村组苑园厦场寓楼层元同]")
_PROVINCE = re.compile(PROVINCES)
_LEAD = 24  # characters before the first marker where an address may start
_ADMIN = ("province", "city", "district")
_STREET = ("town", "road", "number", "estate", "building")
_CONTEXT = ["地址", "住址", "住所", "家住", "居住", "位于", "address"]


def _kind(match: re.Match[str]) -> str | None:
    """ "full", "place" or None (fewer than two components) for a match."""
    admin = sum(1 for name in _ADMIN if match.group(name))
    street = sum(1 for name in _STREET if match.group(name))
    if admin + street < 2:
        return None
    return "full" if street else "place"


def kind_of(value: str) -> str | None:
    """The kind of address the whole value is: "full" (street level), "place" (two or more
    administrative levels only) or None."""
    match = PATTERN.fullmatch(value)
    return _kind(match) if match else None


def is_place(value: str) -> bool:
    """True if the value is a single administrative name ("深圳市", "广东省", "朝阳区") or more."""
    match = PATTERN.fullmatch(value)
    if match is None:
        return False
    return any(match.group(n) for n in _ADMIN) and not any(match.group(n) for n in _STREET)


def find(text: str) -> list[tuple[int, int, float, str]]:
    """Address spans in text: (start, end, score, kind)."""
    found: list[tuple[int, int, float, str]] = []
    markers = [m.start() for m in _MARKER.finditer(text)]
    if not markers or (len(markers) == 1 and not _PROVINCE.search(text)):
        return found
    for match in PATTERN.finditer(text, max(0, markers[0] - _LEAD)):
        kind = _kind(match) if match.end() > match.start() else None
        if kind:
            score = FULL_SCORE if kind == "full" else PLACE_SCORE
            found.append((match.start(), match.end(), score, kind))
    return found


class ChineseAddressRecognizer(RuleBasedRecognizer):
    """Finds Chinese addresses and places by their shape (LOCATION)."""

    ENTITY = ENTITY
    NAME = NAME
    CONTEXT = _CONTEXT
    EXPLAINED = "Chinese address shape ({rule})"
    FIND = staticmethod(find)
