from __future__ import annotations

import re

import pyarrow as pa
import pytest
from faker import Faker

from connectors.checksums import is_valid_prc_id, is_valid_uscc, luhn_ok
from connectors.errors import PrivacyError
from connectors.operators import OperatorContext, build_operator
from connectors.operators._fakes import _person_names, fake_pool
from tests.connectors.operators.conftest import KEY, OTHER_KEY, run

VALUES = ["张伟", "王芳", None, "张伟", "李娜"]


@pytest.mark.parametrize(
    ("entity", "valid"),
    [
        ("PERSON", lambda v: re.fullmatch(r"[\u4e00-\u9fff]{2,4}", v)),
        ("PRC_MOBILE", lambda v: re.fullmatch(r"1[3-9][0-9]{9}", v)),
        ("PRC_ID_NUMBER", is_valid_prc_id),
        ("BANK_CARD", lambda v: v.startswith("62") and luhn_ok(v)),
        ("PRC_USCC", is_valid_uscc),
        ("EMAIL_ADDRESS", lambda v: re.fullmatch(r"[a-z0-9._]+@example\.(com|net|org)", v)),
        ("LOCATION", lambda v: re.match(r"[\u4e00-\u9fff]{2,}", v)),
        ("IP_ADDRESS", lambda v: re.match(r"(10|172|192)\.", v)),
    ],
)
def test_realistic_fakes_same_for_same_input(entity: str, valid: object) -> None:
    out = run("surrogate", VALUES, {"entity": entity, "pool_size": 500})
    assert out[2] is None  # nulls stay null
    assert out[0] == out[3]  # the same value, the same fake
    fakes = [v for v in out if v is not None]
    assert all(valid(v) for v in fakes), fakes  # type: ignore[operator]
    assert not set(fakes) & {"张伟", "王芳", "李娜"}


def test_key_dependence() -> None:
    values = [f"name{i}" for i in range(50)]
    mine = run("surrogate", values, {"entity": "PERSON"})
    theirs = run("surrogate", values, {"entity": "PERSON"}, surrogate_key=OTHER_KEY)
    assert mine == run("surrogate", values, {"entity": "PERSON"})
    assert mine != theirs


def test_a_value_never_becomes_itself() -> None:
    pool = run("surrogate", [f"x{i}" for i in range(300)], {"entity": "PERSON", "pool_size": 100})
    names = sorted(set(pool))  # real pool members as inputs
    assert not [
        a
        for a, b in zip(
            names, run("surrogate", names, {"entity": "PERSON", "pool_size": 100}), strict=True
        )
        if a == b
    ]


def test_observed_values_are_never_used_as_fakes() -> None:
    """Names the column really holds are never anyone's fake, even common ones."""
    context = OperatorContext(surrogate_key=KEY)
    probe = build_operator("surrogate", {"entity": "PERSON", "pool_size": 100}, context)
    real = sorted(set(probe.apply(pa.array([f"x{i}" for i in range(400)])).to_pylist()))
    assert len(real) > 50  # most of the pool
    op = build_operator("surrogate", {"entity": "PERSON", "pool_size": 100}, context)
    op.observe(pa.array(real))
    fakes = op.apply(pa.array([*real, "someone else"])).to_pylist()
    assert not set(fakes) & set(real)
    assert fakes == op.apply(pa.array([*real, "someone else"])).to_pylist()


def test_a_pool_of_real_values_only_is_refused() -> None:
    context = OperatorContext(surrogate_key=KEY)
    op = build_operator("surrogate", {"entity": "PRC_MOBILE", "pool_size": 100}, context)
    op.observe(op.pool)
    with pytest.raises(PrivacyError, match="pool_size"):
        op.apply(pa.array(["13800000000"]))


def test_entity_required() -> None:
    with pytest.raises(ValueError, match="entity"):
        build_operator("surrogate", {}, OperatorContext(surrogate_key=OTHER_KEY))


@pytest.mark.parametrize(
    ("locale", "shape"),
    [
        ("zh_CN", r"[\u4e00-\u9fff]{2,4}"),
        ("en_US", r"(?:[A-Z][a-z.]+ ){1,2}[A-Z][A-Za-z'-]+(?: [A-Z][A-Za-z]*\.?)?"),
    ],
)
def test_person_pools_are_drawn_a_column_at_a_time_and_repeatable(locale: str, shape: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(7)
    names = _person_names(fake, 2000)
    assert names is not None and len(names) == 2000
    odd = [n for n in names if not re.fullmatch(shape, n)]
    assert not odd, odd[:3]
    fake_pool.cache_clear()
    first = fake_pool("PERSON", locale, 3000)
    fake_pool.cache_clear()
    assert fake_pool("PERSON", locale, 3000).equals(first)  # seeded: the same pool every time
    assert len(set(first.to_pylist())) == len(first) == 3000


def test_a_locale_without_name_lists_falls_back_to_one_name_at_a_time() -> None:
    fake = Faker("zh_CN")
    person = next(p for p in fake.providers if p.__provider__ == "faker.providers.person")
    person.formats = ["{{first_name}} {{middle_initial}}"]  # no `middle_initials` list
    assert _person_names(fake, 10) is None
