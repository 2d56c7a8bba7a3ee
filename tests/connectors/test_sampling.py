"""Seeded streaming samples: counts, order, determinism, strata, bounded memory."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import pytest

from connectors.errors import SpecError
from connectors.sampling import allocate, count_strata, sample_batches


def stream(rows: int, batch: int = 1000, label_share: float = 0.1) -> list[pa.RecordBatch]:
    """Rows 0..rows-1 with a label: 1 for about `label_share` of them, at fixed places."""
    ids = np.arange(rows, dtype=np.int64)
    labels = ((ids * 7919) % 1000 < label_share * 1000).astype(np.int64)
    return [
        pa.record_batch({"id": ids[i : i + batch], "label": labels[i : i + batch]})
        for i in range(0, rows, batch)
    ]


def ids_of(batches: Iterator[pa.RecordBatch]) -> list[int]:
    return [i for b in batches for i in b.column("id").to_pylist()]


@pytest.mark.parametrize(
    ("rows", "n", "expected"),
    [
        (10_000, 0, 0),
        (10_000, 1, 1),
        (10_000, 500, 500),
        (10_000, 10_000, 10_000),
        (300, 1_000, 300),
        (0, 10, 0),
    ],
)
def test_reservoir_keeps_n_rows_in_order(rows: int, n: int, expected: int) -> None:
    got = ids_of(sample_batches(stream(rows), n=n, seed=1))
    assert len(got) == expected
    assert got == sorted(set(got))


@pytest.mark.parametrize(
    ("fraction", "low", "high"),
    [(0.0, 0, 0), (0.1, 900, 1100), (0.5, 4800, 5200), (1.0, 10_000, 10_000)],
)
def test_fraction_keeps_about_that_share(fraction: float, low: int, high: int) -> None:
    got = ids_of(sample_batches(stream(10_000), fraction=fraction, seed=2))
    assert low <= len(got) <= high
    assert got == sorted(got)


@pytest.mark.parametrize(
    "options", [{"n": 300}, {"fraction": 0.05}, {"n": 300, "stratify_by": "label"}]
)
def test_same_seed_same_sample_and_another_seed_another(options: dict[str, object]) -> None:
    first = ids_of(sample_batches(stream(20_000), seed=7, **options))  # type: ignore[arg-type]
    again = ids_of(sample_batches(stream(20_000), seed=7, **options))  # type: ignore[arg-type]
    other = ids_of(sample_batches(stream(20_000), seed=8, **options))  # type: ignore[arg-type]
    assert first == again
    assert first != other


@pytest.mark.parametrize("options", [{"n": 300}, {"fraction": 0.05}])
def test_the_sample_does_not_depend_on_batch_boundaries(options: dict[str, object]) -> None:
    small = ids_of(sample_batches(stream(20_000, batch=97), seed=3, **options))  # type: ignore[arg-type]
    large = ids_of(sample_batches(stream(20_000, batch=5000), seed=3, **options))  # type: ignore[arg-type]
    assert small == large


def test_reservoir_is_uniform() -> None:
    hits: Counter[int] = Counter()
    for seed in range(400):
        hits.update(ids_of(sample_batches(stream(50, batch=7), n=10, seed=seed)))
    share = np.array([hits[i] for i in range(50)]) / 400
    assert abs(share.mean() - 0.2) < 1e-9
    assert share.min() > 0.12 and share.max() < 0.28


def _labels(batches: Iterator[pa.RecordBatch]) -> Counter[int]:
    return Counter(label for b in batches for label in b.column("label").to_pylist())


def _callable(rows: int) -> Callable[[], Iterator[pa.RecordBatch]]:
    return lambda: iter(stream(rows))


@pytest.mark.parametrize(
    ("how", "make"),
    [
        ("two passes", lambda: {"batches": _callable(20_000)}),
        (
            "given counts",
            lambda: {
                "batches": stream(20_000),
                "strata_counts": count_strata(stream(20_000), "label"),
            },
        ),
        ("one pass", lambda: {"batches": stream(20_000)}),
    ],
)
def test_stratified_n_is_proportional(how: str, make: Callable[[], dict[str, object]]) -> None:
    got = _labels(sample_batches(n=1_000, stratify_by="label", seed=4, **make()))  # type: ignore[arg-type]
    assert sum(got.values()) == 1_000
    assert got[1] == 100 and got[0] == 900, how


def test_stratified_keeps_every_stratum_when_n_allows() -> None:
    rare = stream(10_000, label_share=0.001)  # 10 rows of label 1
    assert count_strata(rare, "label")[1] == 10
    got = _labels(sample_batches(rare, n=50, stratify_by="label", seed=1))
    assert got == {0: 49, 1: 1}


def test_stratified_fraction_and_nulls() -> None:
    batch = pa.record_batch({"id": list(range(1000)), "label": [None, "a", "b", "b"] * 250})
    got = _labels(sample_batches(lambda: [batch], fraction=0.1, stratify_by="label", seed=2))
    assert got == {None: 25, "a": 25, "b": 50}
    with pytest.raises(SpecError, match="strata's sizes"):
        sample_batches([batch], fraction=0.1, stratify_by="label")


@pytest.mark.parametrize(
    ("counts", "n", "expected"),
    [
        ({"a": 50, "b": 50}, 10, {"a": 5, "b": 5}),
        ({"a": 900, "b": 100}, 10, {"a": 9, "b": 1}),
        ({"a": 990, "b": 9, "c": 1}, 10, {"a": 8, "b": 1, "c": 1}),
        ({"a": 5, "b": 5, "c": 5}, 2, {"a": 1, "b": 1}),
        ({"a": 3, "b": 1}, 10, {"a": 3, "b": 1}),
        ({"a": 1, "b": 0}, 1, {"a": 1}),
        ({"a": 10, "b": 10, "c": 10}, 10, {"a": 4, "b": 3, "c": 3}),
    ],
)
def test_allocate(counts: dict[str, int], n: int, expected: dict[str, int]) -> None:
    got = allocate(counts, n)
    assert got == expected
    assert sum(got.values()) == min(n, sum(counts.values()))


def test_memory_is_bounded_by_n() -> None:
    peak = 0

    def big() -> Iterator[pa.RecordBatch]:
        nonlocal peak
        for start in range(0, 2_000_000, 10_000):
            yield pa.record_batch({"id": pa.array(np.arange(start, start + 10_000))})
            peak = max(peak, pa.total_allocated_bytes())

    base = pa.total_allocated_bytes()
    got = ids_of(sample_batches(big(), n=1_000, seed=5))
    assert len(got) == 1_000
    assert peak - base < 2 << 20  # 16 MB went through; well under 2 MB held


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({}, "either n or fraction"),
        ({"n": 1, "fraction": 0.1}, "either n or fraction"),
        ({"n": -1}, "non-negative"),
        ({"n": True}, "non-negative"),
        ({"fraction": 1.5}, "between 0 and 1"),
        ({"n": 1, "seed": -1}, "seed"),
        ({"n": 1, "strata_counts": {1: 2}}, "needs stratify_by"),
    ],
)
def test_bad_options(options: dict[str, object], fragment: str) -> None:
    with pytest.raises(SpecError, match=fragment):
        sample_batches(stream(10), **options)  # type: ignore[arg-type]


def test_unknown_or_too_many_strata() -> None:
    with pytest.raises(SpecError, match="no such column"):
        list(sample_batches(stream(10), n=1, stratify_by="nope"))
    with pytest.raises(SpecError, match="more than 64 values"):
        list(sample_batches(stream(1000), n=10, stratify_by="id"))
    wide = _labels(sample_batches(_callable(1000), n=10, stratify_by="label", seed=0))
    assert sum(wide.values()) == 10
