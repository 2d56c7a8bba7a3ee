"""Whole-value checks for the column classifier (fast path: plain `re`, no Presidio).

`STRONG` checks may classify a column on content alone; `WEAK` ones (dates, ages, gender,
postcodes, phone numbers of any kind) only measure how well the content fits a column-name
hint, since plenty of harmless columns hold small numbers or dates.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable

import pyarrow as pa

from connectors.pii.entities import (
    AGE,
    DATE_OF_BIRTH,
    DATE_TIME,
    GENDER,
    IP_ADDRESS,
    LOCATION,
    ORGANIZATION,
    PERSON,
    PHONE_NUMBER,
    POSTCODE,
    PRC_MOBILE,
)
from connectors.pii.recognizers import RECOGNIZERS, prc_mobile, zh_address, zh_name

Check = Callable[[str], bool]

_DATE = re.compile(
    r"(?P<y>(?:19|20)[0-9]{2})(?:[-/.年]?)(?P<m>0?[1-9]|1[0-2])(?:[-/.月]?)"
    r"(?P<d>0?[1-9]|[12][0-9]|3[01])日?(?:[ T][0-9:.+Z-]*)?"
)
_AGE = re.compile(r"(?:[0-9]{1,3})(?:\.0+)?岁?")
_POSTCODE = re.compile(r"[1-9][0-9]{5}|[0-9]{5}(?:-[0-9]{4})?")
_LANDLINE = re.compile(
    r"(?:\(?0[1-9][0-9]{1,2}\)?[ -]?)?[2-9][0-9]{6,7}(?:-[0-9]{1,4})?|400-?[0-9]{3}-?[0-9]{4}"
)
_ENGLISH_NAME = re.compile(r"[A-Z][a-z]+(?:[ .'-][A-Z][a-z]+){1,3}")
_ORGANIZATION = re.compile(
    r"[\u4e00-\u9fff（）()A-Za-z0-9]{2,40}(?:有限公司|公司|合作社|工作室|商行|经营部|门市部|超市|店|厂)"
    r"|[A-Za-z0-9&.,' -]{2,60} (?:Inc|Ltd|LLC|Co|Corp|Company|Limited)\.?"
)
# what every address `ipaddress` accepts looks like (ASCII digits, hex, dots and colons, an
# IPv6 scope after %): most values fail this at once, before the costlier parse
_IP_SHAPE = re.compile(r"[0-9A-Fa-f:.]*[.:][0-9A-Fa-f:.]*(?:%.+)?", re.DOTALL)
GENDERS = frozenset({"男", "女", "男性", "女性", "m", "f", "male", "female", "未知", "unknown"})


def parse_date(value: str) -> dt.date | None:
    """A calendar date in the common written forms (2024-01-31, 20240131, 2024年1月31日)."""
    match = _DATE.fullmatch(value)
    if not match:
        return None
    try:
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def is_birth_date(value: str) -> bool:
    born = parse_date(value)
    return born is not None and dt.date(1900, 1, 1) <= born <= dt.date.today()


def is_age(value: str) -> bool:
    return _AGE.fullmatch(value) is not None and 0 <= float(value.rstrip("岁")) <= 130


def is_ip(value: str) -> bool:
    if _IP_SHAPE.fullmatch(value) is None:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_phone(value: str) -> bool:
    return prc_mobile.matches(value) or _LANDLINE.fullmatch(value) is not None


def is_person(value: str) -> bool:
    return zh_name.matches(value, strict=False) or _ENGLISH_NAME.fullmatch(value) is not None


def is_location(value: str) -> bool:
    return zh_address.kind_of(value) is not None or zh_address.is_place(value)


def _any_of(entity: str) -> Check:
    """One check for an entity several recognizers report (ID numbers of 18 and 15 digits):
    a dict keyed by entity would otherwise keep only the last one."""
    checks = [e.matches for e in RECOGNIZERS if e.entity == entity and e.matches is not None]
    return checks[0] if len(checks) == 1 else lambda v: any(check(v) for check in checks)


STRONG: dict[str, Check] = {
    **{entry.entity: _any_of(entry.entity) for entry in RECOGNIZERS if entry.matches},
    IP_ADDRESS: is_ip,
    ORGANIZATION: lambda v: _ORGANIZATION.fullmatch(v) is not None,
}
WEAK: dict[str, Check] = {
    DATE_OF_BIRTH: is_birth_date,
    DATE_TIME: lambda v: parse_date(v[:10]) is not None or parse_date(v) is not None,
    AGE: is_age,
    GENDER: lambda v: v.lower() in GENDERS,
    POSTCODE: lambda v: _POSTCODE.fullmatch(v) is not None,
    PHONE_NUMBER: is_phone,
    PRC_MOBILE: is_phone,
    PERSON: is_person,
    LOCATION: is_location,
}


def fit_check(entity: str | None) -> Check | None:
    """The check that measures how well values fit a hinted entity (lenient forms first)."""
    if entity is None:
        return None
    return WEAK.get(entity) or STRONG.get(entity)


def as_strings(column: pa.ChunkedArray | pa.Array) -> tuple[list[str], bool]:
    """The non-null values of a column as stripped strings, and whether the column is a
    string column (only those can be free text or need Presidio).

    Integers become their digits (mobile numbers and IDs are often stored as integers),
    whole floats too; dates and timestamps their ISO form; nested and binary types no values.
    """
    kind = column.type
    if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return [], False
    values = [v for v in column.to_pylist() if v is not None]
    if pa.types.is_floating(kind):
        return [str(int(v)) if float(v).is_integer() else repr(v) for v in values], False
    if pa.types.is_temporal(kind):
        return [v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values], False
    if pa.types.is_boolean(kind):
        return [str(v).lower() for v in values], False
    is_text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    return [str(v).strip() for v in values], is_text
