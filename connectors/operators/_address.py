"""Chinese addresses cut to province or city level, vectorized (RE2 over the whole column).

Province-level units: the 23 provinces, 5 autonomous regions, 2 SARs and the four
municipalities (北京 上海 天津 重庆), which are their own city too. Short forms ("浙江杭州")
are normalized to the full name ("浙江省"). A city is the next unit ending in 市, 州 (自治州), 盟
or 地区. An address whose province cannot be read gives null at province level and, if it
starts with a city, that city at city level.

The city level is read from each value's first `HEAD_CHARS` characters, once per distinct
head: addresses hardly repeat, their heads (province, city, a district) do, so the regular
expression runs over a few thousand heads a batch instead of every row. A head decides only
when what the expression read cannot change with the characters after it (`_decided`); the
other values are cut whole, as before.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

PROVINCES: dict[str, str] = {
    "北京": "北京市",
    "天津": "天津市",
    "上海": "上海市",
    "重庆": "重庆市",
    "河北": "河北省",
    "山西": "山西省",
    "辽宁": "辽宁省",
    "吉林": "吉林省",
    "黑龙江": "黑龙江省",
    "江苏": "江苏省",
    "浙江": "浙江省",
    "安徽": "安徽省",
    "福建": "福建省",
    "江西": "江西省",
    "山东": "山东省",
    "河南": "河南省",
    "湖北": "湖北省",
    "湖南": "湖南省",
    "广东": "广东省",
    "海南": "海南省",
    "四川": "四川省",
    "贵州": "贵州省",
    "云南": "云南省",
    "陕西": "陕西省",
    "甘肃": "甘肃省",
    "青海": "青海省",
    "台湾": "台湾省",
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
    "香港": "香港特别行政区",
    "澳门": "澳门特别行政区",
}
MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})

_CITY = r"[^省市县区州盟\s]+(?:州市|市|州|盟|地区)"
_PROVINCE_SUFFIX = r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)?"
_PROVINCE = r"^\s*(?P<province>" + "|".join(PROVINCES) + ")" + _PROVINCE_SUFFIX
_WITH_CITY = _PROVINCE + r"(?P<city>" + _CITY + ")?"
_CITY_FIRST = r"^\s*(?P<city>" + _CITY + ")"
# the same, and the rest of the text: the same choices, since `.*` matches whatever follows
_WITH_CITY_REST = _WITH_CITY + r"(?P<rest>(?s:.*))"
_ENDS_THEN_MORE = r"[省市县区州盟\s](?s:.)"  # a character `_CITY`'s run cannot hold, then one more
HEAD_CHARS = 8  # "广东省广州市越秀": most provinces and cities, then a character more

_SHORT = pa.array(list(PROVINCES))
_FULL = pa.array(list(PROVINCES.values()))
_MUNICIPAL = pa.array(sorted(MUNICIPALITIES))


def _empty_as_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _full_name(found: pa.Array) -> pa.Array:
    return _FULL.take(pc.index_in(pc.struct_field(found, "province"), value_set=_SHORT))


def province_level(text: pa.Array) -> pa.Array:
    """The full province-level name ("浙江省", "北京市") or null."""
    return _full_name(pc.extract_regex(text, _PROVINCE))


def _city_of(found: pa.Array, text: pa.Array) -> pa.Array:
    """The city level of `text` from its match of `_WITH_CITY` (`found`)."""
    province = _full_name(found)
    city = _empty_as_null(pc.struct_field(found, "city"))
    municipal = pc.fill_null(pc.is_in(province, value_set=_MUNICIPAL), False)
    in_province = pc.binary_join_element_wise(province, city, "")
    result = pc.if_else(municipal, province, pc.coalesce(in_province, province))
    unplaced = pc.and_(pc.is_null(province), pc.is_valid(text))
    if pc.any(unplaced).as_py():
        leading = pc.extract_regex(text.filter(unplaced), _CITY_FIRST)
        found = _empty_as_null(pc.struct_field(leading, "city"))
        result = pc.replace_with_mask(result, unplaced, found)
    return result


def _whole_city_level(text: pa.Array) -> pa.Array:
    return _city_of(pc.extract_regex(text, _WITH_CITY), text)


def _decided(heads: pa.Array, found: pa.Array) -> pa.Array:
    """Whether each head's city level is its whole value's, whatever follows the head
    (`found`: the heads' matches of `_WITH_CITY_REST`). True when the head is the whole
    value, or when a province was read and the expression's last choice was made before the
    head's last character: the city's run of characters ended at one of the characters that
    end it (`_ENDS_CITY`), with a character still after it, since "州" may go on to "州市". A
    province's suffix cut short ("内蒙古自治") holds no such character, so it never
    decides. Every other head (no province, a run reaching the head's end) is undecided."""
    whole = pc.less(pc.utf8_length(heads), HEAD_CHARS)
    city, rest = pc.struct_field(found, "city"), pc.struct_field(found, "rest")
    ended_with_city = pc.and_(pc.not_equal(city, ""), pc.not_equal(rest, ""))
    ended_without = pc.and_(pc.equal(city, ""), pc.match_substring_regex(rest, _ENDS_THEN_MORE))
    return pc.fill_null(pc.or_kleene(whole, pc.or_(ended_with_city, ended_without)), False)


def city_level(text: pa.Array) -> pa.Array:
    """Province and city ("浙江省杭州市"); a municipality alone ("北京市"); the province alone
    when no city follows it; a leading city alone when no province is named."""
    heads = pc.dictionary_encode(pc.utf8_slice_codeunits(text, 0, HEAD_CHARS))
    if len(heads.dictionary) * 2 > len(text):  # heads that hardly repeat: nothing to save
        return _whole_city_level(text)
    found = pc.extract_regex(heads.dictionary, _WITH_CITY_REST)
    result = _city_of(found, heads.dictionary).take(heads.indices)
    undecided = pc.invert(_decided(heads.dictionary, found)).take(heads.indices)
    undecided = pc.fill_null(undecided, False)  # a null value is null at every level
    if pc.any(undecided).as_py():
        whole = _whole_city_level(text.filter(undecided))
        result = pc.replace_with_mask(result, undecided, whole)
    return result
