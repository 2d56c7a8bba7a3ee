"""Entity names used by the PII scanner, and the order that decides between overlapping finds.

Names follow Presidio where Presidio has one (EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD,
IBAN_CODE, IP_ADDRESS, PERSON, LOCATION, DATE_TIME); the PRC-specific ones are ours.
"""

from __future__ import annotations

PRC_ID_NUMBER = "PRC_ID_NUMBER"
PRC_USCC = "PRC_USCC"
BANK_CARD = "BANK_CARD"
PRC_MOBILE = "PRC_MOBILE"
EMAIL_ADDRESS = "EMAIL_ADDRESS"
IBAN_CODE = "IBAN_CODE"
CREDIT_CARD = "CREDIT_CARD"
IP_ADDRESS = "IP_ADDRESS"
PHONE_NUMBER = "PHONE_NUMBER"
PERSON = "PERSON"
ORGANIZATION = "ORGANIZATION"
LOCATION = "LOCATION"
DATE_OF_BIRTH = "DATE_OF_BIRTH"
DATE_TIME = "DATE_TIME"
AGE = "AGE"
GENDER = "GENDER"
POSTCODE = "POSTCODE"
FREE_TEXT = "FREE_TEXT"

# Most specific first. When finds overlap, the entity that comes first here names the merged
# find: checksum-validated national numbers beat national formats, which beat Presidio's
# generic formats, which beat shape-only rules (names, addresses). So a 16-19 digit Luhn
# number found both as BANK_CARD (ours: PRC cards, UnionPay 62...) and CREDIT_CARD (Presidio)
# is one BANK_CARD, and "+86 138 1234 5678" is one PRC_MOBILE, not also a PHONE_NUMBER.
SPECIFICITY: tuple[str, ...] = (
    PRC_ID_NUMBER,
    PRC_USCC,
    BANK_CARD,
    PRC_MOBILE,
    EMAIL_ADDRESS,
    IBAN_CODE,
    CREDIT_CARD,
    IP_ADDRESS,
    PHONE_NUMBER,
    LOCATION,
    ORGANIZATION,
    PERSON,
)


def specificity(entity: str) -> int:
    """Rank of an entity: lower is more specific; unknown entities come last."""
    try:
        return SPECIFICITY.index(entity)
    except ValueError:
        return len(SPECIFICITY)


# What a column holding mostly this entity is (see classify.py for the rules).
IDENTIFIERS = frozenset(
    {
        PRC_ID_NUMBER,
        PRC_USCC,
        BANK_CARD,
        PRC_MOBILE,
        EMAIL_ADDRESS,
        IBAN_CODE,
        CREDIT_CARD,
        IP_ADDRESS,
        PHONE_NUMBER,
        PERSON,
        ORGANIZATION,
        LOCATION,
    }
)
QUASI_IDENTIFIERS = frozenset({DATE_OF_BIRTH, DATE_TIME, AGE, GENDER, POSTCODE})

# Human names for evidence sentences.
DESCRIPTIONS: dict[str, str] = {
    PRC_ID_NUMBER: "valid PRC ID numbers",
    PRC_USCC: "valid unified social credit codes",
    BANK_CARD: "Luhn-valid bank card numbers",
    PRC_MOBILE: "PRC mobile numbers",
    EMAIL_ADDRESS: "email addresses",
    IBAN_CODE: "IBANs",
    CREDIT_CARD: "credit card numbers",
    IP_ADDRESS: "IP addresses",
    PHONE_NUMBER: "phone numbers",
    PERSON: "personal names",
    ORGANIZATION: "organization names",
    LOCATION: "addresses or place names",
    DATE_OF_BIRTH: "plausible birth dates",
    DATE_TIME: "dates",
    AGE: "plausible ages",
    GENDER: "gender values",
    POSTCODE: "postcodes",
    FREE_TEXT: "free-text cells holding PII",
}
