"""Keyed hashes and the sets that hold them."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from connectors.residual import hashes, scan
from connectors.residual.hashes import Hasher, HashSet
from connectors.residual.scan import _common, _Sieve
from connectors.residual.tokens import raw_forms


def test_a_value_always_gives_one_hash_and_each_import_its_own_key() -> None:
    values = pa.array(["13812345678", "张军", None, "13812345678"])
    first, second = Hasher(), Hasher()
    a, b = first(values), first(values.slice(3))
    assert len(a) == 3 and a[0] == a[2] == b[0] and a[0] != a[1]
    assert not set(a.tolist()) & set(second(values).tolist())  # another key
    assert len(first(pa.array([], pa.string()))) == 0


def test_a_hash_set_stays_distinct_and_sorted_across_compactions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hashes, "COMPACT_EVERY", 10)  # compact often
    kept = HashSet()
    rng = np.random.default_rng(1)
    pieces = [rng.integers(0, 50, size=8).astype(np.uint64) for _ in range(20)]
    for piece in pieces:
        kept.add(piece)
    expected = np.unique(np.concatenate(pieces))
    assert np.array_equal(kept.values(), expected)
    assert kept.nbytes == expected.nbytes


def test_common_counts_shared_hashes_whatever_the_sizes() -> None:
    a = np.array([1, 5, 9, 2**63], dtype=np.uint64)
    b = np.array([0, 5, 2**63, 2**64 - 1], dtype=np.uint64)
    assert _common(a, b) == _common(b, a) == 2
    assert _common(a, np.empty(0, np.uint64)) == 0


def test_common_through_the_sieve_counts_what_plain_intersection_counts() -> None:
    rng = np.random.default_rng(4)
    big = np.unique(rng.integers(0, 2**64 - 1, 200_000, dtype=np.uint64, endpoint=True))
    near = big[:500] ^ np.uint64(1)  # same top bits as a hash of the set, not the hash
    sieve = _Sieve()
    for shared in (0, 1, 777):
        other = np.unique(
            np.concatenate(
                [
                    rng.integers(0, 2**64 - 1, 100_000, dtype=np.uint64, endpoint=True),
                    big[rng.choice(len(big), shared, replace=False)],
                    near,
                    np.array([0, 2**64 - 1], dtype=np.uint64),
                ]
            )
        )
        expected = len(np.intersect1d(big, other, assume_unique=True))
        assert expected >= shared and len(other) >= scan._SIEVE_FROM
        assert _common(big, other, sieve) == _common(other, big) == expected
        assert _common(other, np.unique(other[::-1] + np.uint64(0)), sieve) == len(other)


needs_native = pytest.mark.skipif(not Hasher().native, reason="the C helper is not built")
RAW = [
    "13812345678",
    " 138 1234 5678 ",  # trimmed, digits joined: two forms
    "6222-0212-3456-7890",
    "1 2 3 4 5 6 7",  # joined in two rounds of the expression
    "ID 11010519491231002X",
    "\tZhang.San@Example.COM\n",
    "张军",
    "张",  # one character: left out
    "x",
    "",
    "北京市朝阳区建国路 88 号",
    "a - - 1",
    "9 -x 9",
    None,
]


@needs_native
def test_the_c_helper_hashes_as_cpython_hashes_bytes() -> None:
    """SipHash-1-3 as CPython's hash of bytes (its key is all zeros with PYTHONHASHSEED=0)."""
    values = ["a", "13812345678", "x" * 8, "y" * 15, "张军", "z" * 40]
    code = f"print([hash(v.encode()) for v in {values!r}])"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    expected = [h % 2**64 for h in ast.literal_eval(done.stdout)]
    hasher = Hasher()
    hasher._key = bytes(16)
    assert hasher(pa.array(values)).tolist() == expected


@needs_native
def test_raw_forms_hashed_in_one_pass_are_the_forms_arrow_makes() -> None:
    hasher = Hasher()
    values = pa.array(RAW)
    one_pass = hasher.raw(values)
    assert sorted(one_pass.tolist()) == sorted(hasher(raw_forms(values)).tolist())
    assert len(one_pass) == len(raw_forms(values))  # the same forms, as many
    sliced = values.slice(1, 3)  # an array's own window of the buffers
    assert sorted(hasher.raw(sliced).tolist()) == sorted(hasher(raw_forms(sliced)).tolist())
    assert len(hasher.raw(pa.array([None, "x"], pa.string()))) == 0


@needs_native
def test_unicode_white_space_at_either_end_still_gives_arrows_forms() -> None:
    """Every code point Arrow trims: the one-pass forms hold Arrow's (and more, never fewer)."""
    points = [c for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF]
    trimmed = pc.utf8_trim_whitespace(pa.array(["张军" + chr(c) for c in points]))
    same = pc.equal(trimmed, "张军").to_pylist()
    spaces = [chr(c) for c, trims in zip(points, same, strict=True) if trims]
    assert "\u3000" in spaces and "\xa0" in spaces
    hasher = Hasher()
    for space in spaces:
        values = pa.array([f"{space}张军", f"张军 {space}", f"{space} 138 1234 5678{space}"])
        assert set(hasher(raw_forms(values)).tolist()) <= set(hasher.raw(values).tolist())


def test_without_the_c_helper_raw_forms_are_hashed_by_duckdb() -> None:
    hasher = Hasher(native=False)
    values = pa.array(RAW)
    assert not hasher.native
    assert hasher.raw(values).tolist() == hasher(raw_forms(values)).tolist()
