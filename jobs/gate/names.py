"""What column names say: which look like identifiers, which look like counts.

Names are compared normalized: camelCase split, lower case, every run of other characters
made one `_` ("MerchantID" -> "merchant_id", "Mobile No." -> "mobile_no").
"""

from __future__ import annotations

import re

_IDENTIFIER_PATTERNS = {
    "an identity document number": r"(.+_)?(id_?(number|no|num|card)|(resident|national|citizen)"
    r"_id(_.+)?|ssn|passport(_no|_number)?)",
    "a phone number": r"(.+_)?(mobile|phone|cellphone|telephone|tel)(_.+)?",
    "a bank card or account": r"(.+_)?(bank_?card|card_?(no|number|num)|(bank_)?account_?"
    r"(no|number|num)|iban)(_.+)?",
    "a unified social credit code": r"(.+_)?(uscc|(unified_)?(social_)?credit_code)",
    "an e-mail address": r"(.+_)?e_?mail(_.+)?",
    "a person's or business's name": r"((full|first|last|given|family|real|user|customer|"
    r"merchant|owner|person|contact|legal_person|legal_rep|shop|store|company|business)_)?"
    r"name|surname",
    "an address": r"(.+_)?(address|addr|street)(_.+)?",
    "an IP address or device id": r"(.+_)?(ip|ip_address|imei|device_id|mac_address)",
    "a record identifier": r"id|uid|((.+_)?(merchant|customer|user|person|member|client|patient|"
    r"borrower|account|shop|store|owner|citizen|employee|applicant)_?id)",
}
_IDENTIFIER_RES = {what: re.compile(rf"^(?:{rx})$") for what, rx in _IDENTIFIER_PATTERNS.items()}
_IDENTIFIER_WORDS: tuple[str, ...] = (
    "姓名",
    "名字",
    "身份证",
    "手机",
    "电话",
    "银行卡",
    "卡号",
    "邮箱",
    "地址",
)
_IDENTIFIER_WORDS += ("统一社会信用代码", "信用代码", "商户号", "证件号")

_COUNT = re.compile(
    r"^(n|count|counts|cnt|freq|frequency|num|(num|n|count|cnt)_.+|.+_(count|counts|cnt|n|num))$"
)
_COUNT_WORDS = ("人数", "数量", "计数", "个数", "户数", "笔数", "频数")


def normalize(name: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return re.sub(r"[^0-9a-z\u0080-\uffff]+", "_", spaced.lower()).strip("_")


def identifier_kind(name: str) -> str | None:
    """What an identifier-looking column name suggests it holds, or None."""
    if any(word in name for word in _IDENTIFIER_WORDS):
        return "an identifier (by its Chinese name)"
    key = normalize(name)
    for what, pattern in _IDENTIFIER_RES.items():
        if pattern.match(key):
            return what
    return None


def looks_like_count(name: str) -> bool:
    return bool(_COUNT.match(normalize(name))) or any(w in name for w in _COUNT_WORDS)
