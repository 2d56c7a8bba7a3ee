"""The index and the redaction must cut text the same way: Arrow's bulk keys equal the
Python ones, value by value."""

from __future__ import annotations

import random
import string

import pyarrow as pa
import pytest

from jobs.redaction import bulk_keys, tokens

ODD = [
    "M0000042",
    "Zhang San",
    "a1b2c3",
    "X",
    " ab ",
    "___",
    "a_b_c",
    "O'Brien",
    "李四光",
    "豈",  # a compatibility ideograph: NFKC rewrites it
    "山东省兰州市合川王街R座 123456",
    "Ｚｈａｎｇ",
    "ＡＢＣ１２３",
    "Straße",
    "İstanbul",
    "客户李四光的贷款",
    "ｶﾀｶﾅ",
    "a" * 40,
    "one two three four five six seven",
    "",
]


def _random_ascii(count: int) -> list[str]:
    rng = random.Random(5)
    alphabet = string.ascii_letters + string.digits + " -_.,:/@+()[]'\"\t"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(count)]


@pytest.mark.parametrize("values", [ODD, _random_ascii(5000)], ids=["odd", "random_ascii"])
def test_bulk_text_keys_are_the_python_keys(values: list[str]) -> None:
    expected = {key for value in values for key in tokens.value_keys(value)}
    keys, longest = bulk_keys.text_keys(pa.array(values))
    assert set(keys.to_pylist()) == expected
    cjk = [len(k) for k in expected if tokens.is_cjk(k)]
    assert longest == max(cjk, default=0)


def test_bulk_number_keys_are_the_python_keys() -> None:
    texts = [
        "1234",
        "-12.5",
        "250000.0",
        "1.5e+300",
        "-inf",
        "nan",
        "12",
        "2024-01-02",
        "2024-01-02 03:04:05.123",
        "100.00",
        "-1000.000",
        "+77777",
    ]
    expected = {key for text in texts for key in tokens.number_keys(text)}
    assert set(bulk_keys.number_keys(pa.array(texts)).to_pylist()) == expected
    assert {"250000 0", "250000", "1234", "2024 01 02", "100 00"} <= expected
    assert "12" not in expected and "12 5" in expected


@pytest.mark.parametrize(
    ("value", "keys"),
    [
        ("Zhang San", {"zhang", "san", "zhang san", "zhangsan"}),
        ("Li Si", {"li si", "lisi"}),
        ("M00042", {"00042", "m 00042", "m00042"}),
        ("李四光", {"李四光"}),
        ("李", set()),
        ("客户:李四光", {"客户", "李四光", "客户 李四光", "客户李四光"}),
    ],
)
def test_what_a_value_is_indexed_under(value: str, keys: set[str]) -> None:
    assert set(tokens.value_keys(value)) == keys
