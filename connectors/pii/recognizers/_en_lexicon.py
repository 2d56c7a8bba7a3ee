"""Word lists for the Latin-script name rule (data only)."""

from __future__ import annotations

# Words in front of a name that say it is one (case-insensitive); "Mr." and friends.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "dear"})
ROLE_PHRASES = (
    "legal representative",
    "legal rep",
    "account holder",
    "account name",
    "contact person",
    "signed by",
    "spoke with",
    "spoke to",
    "customer",
    "client",
    "contact",
    "payee",
    "payer",
    "beneficiary",
    "owner",
    "director",
    "borrower",
    "guarantor",
    "applicant",
    "attention",
    "attn",
    "name",
)
# Role words as they may lead a run of capitalized words ("Contact John Smith").
ROLE_WORDS = frozenset(word for phrase in ROLE_PHRASES for word in phrase.split())

# Capitalized words that are not names: a run containing one stops there.
_NOT_NAMES_TEXT = """
    the a an this that these those our your their my his her its we you they he she it i
    please thank thanks regards dear hello hi note re fw fwd ok yes no and or of for to in on at
    by with from as per via about after before loan loans credit debit bank banks banking
    account accounts service services support team department dept division office desk
    center centre branch head group company co corp inc ltd llc limited holdings partners
    committee board management manager managers officer staff customer customers client clients
    contact payment payments transfer wire invoice invoices order orders product products
    sales finance financial risk compliance audit legal operations marketing business trade
    market markets fund funds capital investment insurance tax vat fee fees interest rate rates
    income revenue profit cash card cards deposit deposits balance statement report reports
    review approval approved pending overdue default street st road rd avenue ave lane ln
    drive dr boulevard blvd square park building floor suite room city county state province
    district north south east west central new old great united national international global
    china chinese hong kong beijing shanghai shenzhen guangzhou hangzhou london york america
    american english europe asia pacific monday tuesday wednesday thursday friday saturday
    sunday january february march april may june july august september october november
    december q1 q2 q3 q4 ceo cfo coo cto vp hr it pr id
"""

# Common given names in English-speaking countries: a capitalized pair starting with one of
# these is a possible name even with no context (unsure, never replaced on its own).
_FIRST_NAMES_TEXT = """
    james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
    scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
    tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy
    christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse
    jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy roy
    vincent ralph eugene russell bobby mason philip louis tom tim tony steve mike bob bill
    jim dave chris nick sam ben alex max oliver harry charlie leo lucas liam
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
    margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa deborah
    stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma
    nicole helen samantha katherine christine debra rachel carolyn janet catherine maria
    heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan
    evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison
    frances kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn
    danielle beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori
    jane jenny kate lucy sophie ella chloe mia amelia ava zoe lily claire anne susie
"""

# Pinyin of common Chinese surnames: "Zhang Wei", "Wei Zhang".
_PINYIN_SURNAMES_TEXT = """
    wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng
    liang xie song tang xu han feng deng cao peng zeng xiao tian dong yuan pan yu jiang cai du
    ye cheng su wei lu ding ren shen yao lu jiang cui zhong tan wang fan jin shi liao jia xia
    fu fang bai zou meng xiong qin qiu yin xue yan duan lei hou long shi tao hao gong shao wan
    qian yan qin kong chang kang shi niu fan ge xing an qi qiao wen ouyang situ zhuge
"""

NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
FIRST_NAMES = frozenset(_FIRST_NAMES_TEXT.split())
PINYIN_SURNAMES = frozenset(_PINYIN_SURNAMES_TEXT.split())
