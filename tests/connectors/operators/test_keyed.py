"""The C loop and the standard library give the same HMAC-SHA256, whatever the column, and
the same pseudonym text when the loop writes it."""

from __future__ import annotations

import hmac

import pyarrow as pa
import pytest

from connectors.operators._keyed import batch_available, hmac_sha256_hex_rows, hmac_sha256_rows

WORDS = ["", "a", "张伟", "110101199003071234", "x" * 10_000, "13800138000", "😀 emoji"]


def _expected(key: bytes, values: list[bytes]) -> list[bytes]:
    return [hmac.new(key, value, "sha256").digest() for value in values]


@pytest.mark.parametrize(
    ("name", "array", "messages"),
    [
        ("strings", pa.array(WORDS), [w.encode() for w in WORDS]),
        ("large strings", pa.array(WORDS, pa.large_string()), [w.encode() for w in WORDS]),
        ("binary", pa.array([b"\x00\xff", b""], pa.binary()), [b"\x00\xff", b""]),
        ("integers read as text", pa.array([123, -5, 0]), [b"123", b"-5", b"0"]),
        ("a slice", pa.array(WORDS).slice(2, 3), [w.encode() for w in WORDS[2:5]]),
        ("empty", pa.array([], pa.string()), []),
        (
            "many (split over threads)",
            pa.array([f"v{i}" for i in range(20_001)]),
            [f"v{i}".encode() for i in range(20_001)],
        ),
    ],
)
@pytest.mark.parametrize("key", [b"k" * 16, b"key-of-32-bytes-for-pseudonyms!!", b"L" * 100])
@pytest.mark.parametrize("batch", [True, False])
def test_digests_equal_the_standard_library(
    name: str, array: pa.Array, messages: list[bytes], key: bytes, batch: bool
) -> None:
    rows = hmac_sha256_rows(key, array, batch=batch)
    assert rows.shape == (len(messages), 32)
    assert [row.tobytes() for row in rows] == _expected(key, messages)


ARRAYS = [
    pa.array(WORDS),
    pa.array(WORDS, pa.large_string()),
    pa.array([123, -5, 0]),
    pa.array(WORDS).slice(2, 3),
    pa.array([], pa.string()),
    pa.array([f"v{i}" for i in range(20_001)]),
]


@pytest.mark.parametrize("array", ARRAYS)
@pytest.mark.parametrize(("prefix", "nbytes"), [(b"p_", 16), (b"", 32), (b"id:", 1)])
@pytest.mark.parametrize("batch", [True, False])
def test_hex_rows_are_the_prefix_and_the_digests_first_bytes(
    array: pa.Array, prefix: bytes, nbytes: int, batch: bool
) -> None:
    key = b"key-of-32-bytes-for-pseudonyms!!"
    rows = hmac_sha256_hex_rows(key, array, prefix, nbytes, batch=batch)
    messages = [str(value).encode() for value in array.to_pylist()]
    expected = [prefix + d[:nbytes].hex().encode() for d in _expected(key, messages)]
    assert rows.shape == (len(array), len(prefix) + 2 * nbytes)
    assert [row.tobytes() for row in rows] == expected


def test_the_c_loop_is_built_here() -> None:
    # setup builds it (a C compiler and OpenSSL's headers are installed by scripts/setup.sh)
    assert batch_available()
