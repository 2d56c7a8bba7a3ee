"""Keyed hashes and the sets that hold them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from connectors.residual import hashes, scan
from connectors.residual.hashes import Hasher, HashSet
from connectors.residual.scan import _common, _Sieve


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
