"""Pools of realistic fake values, generated once per (entity, locale, size) from a fixed seed.

The pools depend on nothing but those three and the Faker version: no data, no key. Numbers
carry valid check characters (connectors.checksums), so downstream validators accept them;
emails use the reserved example.com/net/org domains and IP addresses the private ranges, so a
fake never names a real mailbox or host.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterator
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


_TOKEN = re.compile(r"{{\s*(\w+)\s*}}")
_PLURALS = {"name": "names", "prefix": "prefixes", "suffix": "suffixes"}


def _person_names(fake: Faker, count: int) -> list[str] | None:
    """`count` names the way `fake.name()` makes them, drawn a whole column at a time: the
    locale's name formats (weighted as Faker weighs them), each token (`last_name`,
    `first_name_female`, `prefix_male`...) from the provider's list of that name (`last_names`,
    `first_names_female`, `prefixes_male`...). None when the locale's provider does not
    follow that convention (then names are made one by one)."""
    person = next((p for p in fake.providers if p.__provider__ == "faker.providers.person"), None)
    formats = getattr(person, "formats", None)
    if not formats:
        return None
    tokens = {t for pattern in formats for t in _TOKEN.findall(pattern)}
    columns: dict[str, Iterator[str]] = {}
    for token in sorted(tokens):
        plural = "_".join(_PLURALS.get(word, word) for word in token.split("_"))
        elements = getattr(person, plural, None)
        if not isinstance(elements, list | tuple | dict) or not elements:
            return None
        drawn = fake.random_elements(elements, length=count, use_weighting=True)
        columns[token] = iter(str(value) for value in drawn)
    chosen = fake.random_elements(formats, length=count, use_weighting=True)
    return [_TOKEN.sub(lambda m: next(columns[m.group(1)]), pattern) for pattern in chosen]


@lru_cache(maxsize=32)
def fake_pool(entity: str, locale: str, size: int) -> pa.Array:
    """Up to `size` distinct fake values (fewer if the generator repeats itself)."""
    fake = Faker(locale)
    seed = _seed(entity, locale)
    fake.seed_instance(seed)
    rng = random.Random(seed)  # noqa: S311 - fake data, not secrets
    seen: dict[str, None] = {}
    if entity == "PERSON":
        for _ in range(3):
            names = _person_names(fake, size)
            if names is None:
                break
            seen.update(dict.fromkeys(names))
            if len(seen) >= size:
                return pa.array(list(seen)[:size], pa.string())
    make = MAKERS[entity]
    for _ in range(size * 3):
        seen.setdefault(make(fake, rng), None)
        if len(seen) >= size:
            break
    return pa.array(list(seen)[:size], pa.string())
