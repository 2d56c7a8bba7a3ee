from __future__ import annotations

import base64
import hmac
import re

import pyarrow as pa
import pytest

from connectors.operators import OperatorContext, build_operator
from tests.connectors.operators.conftest import KEY, OTHER_KEY, run


def reference(key: bytes, value: str, prefix: str = "p_") -> str:
    return prefix + hmac.digest(key, value.encode(), "sha256")[:16].hex()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["110101199003077777"], [reference(KEY, "110101199003077777")]),
        (
            ["a", None, "a", "b"],
            [reference(KEY, "a"), None, reference(KEY, "a"), reference(KEY, "b")],
        ),
        (["张三"], [reference(KEY, "张三")]),
        ([""], [reference(KEY, "")]),
        ([None, None], [None, None]),
    ],
)
def test_pseudonym_is_hmac_sha256(values: list[str | None], expected: list[str | None]) -> None:
    assert run("pseudonym", values) == expected


def test_numbers_and_their_text_get_the_same_pseudonym() -> None:
    assert run("pseudonym", [13812345678]) == run("pseudonym", ["13812345678"])


def test_prefix_and_base32() -> None:
    values = [f"value {i}" for i in range(200)]
    out = run("pseudonym", values, {"prefix": "id_", "encoding": "base32"})
    digests = [hmac.digest(KEY, v.encode(), "sha256")[:16] for v in values]
    assert out == ["id_" + base64.b32encode(d).decode().lower().rstrip("=") for d in digests]


def test_another_key_gives_other_pseudonyms() -> None:
    values = ["a", "b", "c"]
    mine = run("pseudonym", values)
    theirs = run("pseudonym", values, pseudonym_key=OTHER_KEY)
    assert not set(mine) & set(theirs)


def test_deterministic_across_batches_and_dedup_modes() -> None:
    """Mostly-distinct batches switch off deduplication; the pseudonyms must not change."""
    op = build_operator("pseudonym", {}, OperatorContext(pseudonym_key=KEY))
    values = [f"v{i}" for i in range(5000)]
    first = op.apply(pa.array(values)).to_pylist()
    with_nulls = op.apply(pa.array([None, *values[:10], None])).to_pylist()
    assert first == op.apply(pa.array(values)).to_pylist()
    assert with_nulls == [None, *first[:10], None]
    assert first[:3] == [reference(KEY, v) for v in values[:3]]


def test_output_shape() -> None:
    (out,) = run("pseudonym", ["anything"])
    assert re.fullmatch(r"p_[0-9a-f]{32}", out)


def test_needs_a_key() -> None:
    with pytest.raises(ValueError, match="pseudonym key"):
        build_operator("pseudonym", {}, OperatorContext())
