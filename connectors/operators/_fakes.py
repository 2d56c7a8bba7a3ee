"""Pools of realistic fake values, generated once per (entity, locale, size) from a fixed seed.

The pools depend on nothing but those three and the Faker version: no data, no key. Numbers
carry valid check characters (connectors.checksums), so downstream validators accept them;
emails use the reserved example.com/net/org domains and IP addresses the private ranges, so a
fake never names a real mailbox or host.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from functools import lru_cache

import pyarrow as pa
from faker import Faker

from connectors.checksums import USCC_CHARSET, luhn_digit, prc_id_check_digit, uscc_check_char

Maker = Callable[[Faker, random.Random], str]


def _person(fake: Faker, rng: random.Random) -> str:
    return str(fake.name())


def _mobile(fake: Faker, rng: random.Random) -> str:
    prefix = rng.choice(("13", "15", "17", "18", "19")) + str(rng.randrange(10))
    return prefix + f"{rng.randrange(10**8):08d}"


def _id_number(fake: Faker, rng: random.Random) -> str:
    region = str(fake.ssn())[:6]
    born = fake.date_of_birth(minimum_age=18, maximum_age=80).strftime("%Y%m%d")
    first17 = region + born + f"{rng.randrange(1000):03d}"
    return first17 + prc_id_check_digit(first17)


def _bank_card(fake: Faker, rng: random.Random) -> str:
    payload = "62" + "".join(str(rng.randrange(10)) for _ in range(rng.choice((13, 16))))
    return payload + luhn_digit(payload)


def _uscc(fake: Faker, rng: random.Random) -> str:
    region = str(fake.ssn())[:6]
    body = "".join(rng.choice(USCC_CHARSET) for _ in range(9))
    first17 = "91" + region + body
    return first17 + uscc_check_char(first17)


def _email(fake: Faker, rng: random.Random) -> str:
    domain = rng.choice(("example.com", "example.net", "example.org"))
    return f"{fake.user_name()}{rng.randrange(1000)}@{domain}"


def _address(fake: Faker, rng: random.Random) -> str:
    return str(fake.address()).replace("\n", " ")


def _organization(fake: Faker, rng: random.Random) -> str:
    return str(fake.company())


def _ip(fake: Faker, rng: random.Random) -> str:
    return str(fake.ipv4_private())


MAKERS: dict[str, Maker] = {
    "PERSON": _person,
    "PRC_MOBILE": _mobile,
    "PHONE_NUMBER": _mobile,
    "PRC_ID_NUMBER": _id_number,
    "BANK_CARD": _bank_card,
    "CREDIT_CARD": _bank_card,
    "PRC_USCC": _uscc,
    "EMAIL_ADDRESS": _email,
    "LOCATION": _address,
    "ORGANIZATION": _organization,
    "IP_ADDRESS": _ip,
}


def _seed(entity: str, locale: str) -> int:
    return int.from_bytes(hashlib.sha256(f"surrogate/{entity}/{locale}".encode()).digest()[:8])


@lru_cache(maxsize=32)
def fake_pool(entity: str, locale: str, size: int) -> pa.Array:
    """Up to `size` distinct fake values (fewer if the generator repeats itself)."""
    fake = Faker(locale)
    seed = _seed(entity, locale)
    fake.seed_instance(seed)
    rng = random.Random(seed)  # noqa: S311 - fake data, not secrets
    make = MAKERS[entity]
    seen: dict[str, None] = {}
    for _ in range(size * 3):
        seen.setdefault(make(fake, rng), None)
        if len(seen) == size:
            break
    return pa.array(list(seen), pa.string())
