"""Column-name hints, Chinese and English: what a column's name says it holds.

Chinese hint words match as substrings of the name ("法人身份证号" holds "身份证号"); English
ones match as whole words of the name split at non-letters and camelCase ("contactPhone",
"phone_no", but not "telegram" for "tel"). When several hints match, the one that ends last
wins, then the longer one: the head noun comes last in both languages, so "联系人电话" is a
phone and "联系人姓名" a name, and "email_address" is an email, not an address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.pii.entities import (
    AGE,
    BANK_CARD,
    DATE_OF_BIRTH,
    DATE_TIME,
    EMAIL_ADDRESS,
    FREE_TEXT,
    GENDER,
    IP_ADDRESS,
    LOCATION,
    ORGANIZATION,
    PERSON,
    PHONE_NUMBER,
    POSTCODE,
    PRC_ID_NUMBER,
    PRC_MOBILE,
    PRC_USCC,
)

IDENTIFIER = "identifier"
QUASI = "quasi_identifier"
SENSITIVE = "sensitive"
PLAIN = "plain"


@dataclass(frozen=True)
class Hint:
    """A word that, in a column name, says what the column holds."""

    word: str
    entity: str | None
    classification: str


def _hints(classification: str, entity: str | None, words: str) -> list[Hint]:
    return [Hint(word, entity, classification) for word in words.split()]


HINTS: tuple[Hint, ...] = tuple(
    _hints(
        IDENTIFIER,
        PERSON,
        "姓名 名字 法人 法定代表人 法人代表 联系人 负责人 户名 持卡人 "
        "借款人 担保人 申请人 客户姓名 name full_name first_name last_name surname "
        "given_name legal_person contact_person contact_name holder_name",
    )
    + _hints(
        IDENTIFIER,
        PRC_ID_NUMBER,
        "身份证 身份证号 身份证号码 证件号 证件号码 id_card idcard "
        "id_number id_no idno id_num national_id identity_number cert_no",
    )
    + _hints(IDENTIFIER, PRC_MOBILE, "手机 手机号 手机号码 mobile mobile_no cellphone cell")
    + _hints(IDENTIFIER, PHONE_NUMBER, "电话 联系电话 电话号码 座机 联系方式 phone tel telephone")
    + _hints(
        IDENTIFIER,
        BANK_CARD,
        "银行卡 银行卡号 卡号 账号 帐号 银行账号 bank_card card_no "
        "card_number bank_account account account_no account_number acct acct_no",
    )
    + _hints(
        IDENTIFIER,
        PRC_USCC,
        "统一社会信用代码 社会信用代码 信用代码 uscc credit_code social_credit_code unified_code",
    )
    + _hints(IDENTIFIER, EMAIL_ADDRESS, "邮箱 电子邮箱 电子邮件 email e_mail mail email_address")
    + _hints(
        IDENTIFIER,
        LOCATION,
        "地址 住址 家庭住址 经营地址 通讯地址 address addr street home_address",
    )
    + _hints(IDENTIFIER, IP_ADDRESS, "ip ip_address ip_addr")
    + _hints(
        IDENTIFIER,
        ORGANIZATION,
        "商户名称 企业名称 公司名称 店铺名称 店名 商户名 "
        "merchant_name company_name shop_name store_name business_name",
    )
    + _hints(
        QUASI,
        DATE_OF_BIRTH,
        "出生日期 出生年月 生日 birth birthday birthdate dob date_of_birth birth_date",
    )
    + _hints(QUASI, AGE, "年龄 age")
    + _hints(QUASI, GENDER, "性别 gender sex")
    + _hints(QUASI, POSTCODE, "邮编 邮政编码 zip zipcode zip_code postcode postal_code")
    + _hints(
        QUASI,
        LOCATION,
        "省份 所在省 城市 所在城市 区县 所在地 籍贯 province city district county region",
    )
    + _hints(
        QUASI,
        DATE_TIME,
        "注册日期 注册时间 开户日期 成立日期 register_date "
        "registration_date reg_date signup_date open_date",
    )
    + _hints(
        SENSITIVE,
        None,
        "收入 工资 薪资 薪水 月收入 年收入 余额 贷款 借款 欠款 负债 "
        "违约 逾期 征信 授信 salary income wage balance loan debt default overdue "
        "delinquency arrears credit_score",
    )
    + _hints(
        PLAIN,
        None,
        "bank_name product_name brand_name category_name industry_name file_name 银行名称 产品名称",
    )
    + _hints(
        SENSITIVE,
        FREE_TEXT,
        "备注 说明 描述 留言 评论 反馈 详情 remark remarks note notes "
        "comment comments description memo feedback",
    )
)


_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def name_tokens(column: str) -> list[tuple[str, int]]:
    """Words of a column name, lower-cased, with their end offsets: "contactPhone" ->
    contact, phone; "IDNumber" -> id, number; "id_no" -> id, no."""
    return [(m.group().lower(), m.end()) for m in _WORD.finditer(column)]


def _english_end(hint_tokens: list[str], tokens: list[tuple[str, int]]) -> int | None:
    size = len(hint_tokens)
    last = None
    for i in range(len(tokens) - size + 1):
        if [word for word, _ in tokens[i : i + size]] == hint_tokens:
            last = tokens[i + size - 1][1]
    return last


def match_hint(column: str) -> Hint | None:
    """The hint a column name carries, if any (see the module doc for the rule)."""
    tokens = name_tokens(column)
    lowered = column.lower()
    best: tuple[int, int, Hint] | None = None
    for hint in HINTS:
        if hint.word.isascii():
            end = _english_end(hint.word.split("_"), tokens)
        else:
            at = lowered.rfind(hint.word)
            end = at + len(hint.word) if at >= 0 else None
        if end is None:
            continue
        key = (end, len(hint.word))
        if best is None or key > best[:2]:
            best = (end, len(hint.word), hint)
    return best[2] if best else None
