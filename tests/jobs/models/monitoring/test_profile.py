"""The baseline profile is an aggregate: bins and shares, none about fewer than k records,
no rare level named, no edge that is a record's exact value."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from jobs.models.monitoring import (
    BaselineProfile,
    CategoricalProfile,
    MonitoringInputError,
    NumericProfile,
    build_profile,
)
from jobs.models.small_bins import merge_groups

N = 5_000
RNG = np.random.default_rng(4)
SAMPLE = pa.table({
    "merchant_id": [f"M{i:010d}" for i in range(N)],
    "segment": [*RNG.choice(["retail", "food"], N).tolist()[:-3], "yacht", "yacht", "zoo"],
    "sales": np.round(RNG.lognormal(10, 1, N), 2),
    "null_heavy": pa.array(np.where(RNG.random(N) < 0.97, np.nan, RNG.normal(size=N)),
                           from_pandas=True),
    "all_null": pa.nulls(N, pa.float64()),
    "constant": np.full(N, 3),
    "lumpy": np.r_[np.zeros(N - 12), np.arange(1, 13)],
    "score": RNG.random(N),
    "default": (RNG.random(N) < 0.1).astype(np.int64),
})  # fmt: skip


def _profile(name: str, k: int = 10) -> NumericProfile | CategoricalProfile:
    return build_profile(SAMPLE, [name], k=k).features[0]


def test_a_unique_identifier_never_appears_in_the_profile() -> None:
    profile = build_profile(SAMPLE, list(SAMPLE.column_names), score_column="score",
                            label_column="default")  # fmt: skip
    text = json.dumps(profile.to_dict())
    ids = SAMPLE.column("merchant_id").to_pylist()
    assert not [i for i in ids if i in text]
    found = profile.features[0]
    assert isinstance(found, CategoricalProfile)
    assert found.levels == () and found.other_share == 1.0


@pytest.mark.parametrize("k", [2, 3, 10])
def test_levels_seen_fewer_than_k_times_go_to_other(k: int) -> None:
    found = _profile("segment", k)
    assert isinstance(found, CategoricalProfile)
    assert "zoo" not in found.levels
    assert ("yacht" in found.levels) == (k <= 2)
    assert [v for v in found.levels if v != "yacht"] == ["food", "retail"]
    assert found.other_share == pytest.approx((1 if k <= 2 else 3) / N)
    assert sum(found.shares) + found.other_share == pytest.approx(1.0)


def test_numeric_bins_hold_at_least_k_records_and_edges_are_not_raw_values() -> None:
    for name in ("sales", "score", "lumpy"):
        found = _profile(name, k=25)
        assert isinstance(found, NumericProfile)
        assert min(found.shares) * N >= 25 - 1e-9, name
        values = set(SAMPLE.column(name).to_pylist())
        assert not [e for e in found.edges if e in values and name != "lumpy"]
    lumpy = _profile("lumpy", k=25)
    assert isinstance(lumpy, NumericProfile)
    assert lumpy.edges == () and lumpy.shares == (1.0,)  # the twelve tail values are merged


@pytest.mark.parametrize(
    ("name", "edges", "missing"),
    [
        ("constant", (), 0.0),
        ("all_null", (), 1.0),
    ],
)
def test_constant_and_empty_columns_have_one_bin(
    name: str, edges: tuple[float, ...], missing: float
) -> None:
    found = _profile(name)
    assert isinstance(found, NumericProfile)
    assert found.edges == edges and found.missing_share == missing
    assert sum(found.shares) + found.missing_share == pytest.approx(1.0)


def test_null_heavy_columns_keep_missing_as_a_bin_of_its_own() -> None:
    found = _profile("null_heavy")
    assert isinstance(found, NumericProfile)
    assert 0.95 < found.missing_share < 0.99
    assert all(share * N >= 10 for share in found.shares)


def test_profile_round_trips_through_json_with_training_auc() -> None:
    profile = build_profile(SAMPLE, ["segment", "sales"], score_column="score",
                            label_column="default")  # fmt: skip
    assert profile.auc is not None and 0.4 < profile.auc < 0.6 and profile.ks is not None
    again = BaselineProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again == profile


def test_an_empty_sample_and_a_missing_column_are_refused() -> None:
    with pytest.raises(MonitoringInputError, match="no records"):
        build_profile(SAMPLE.slice(0, 0), ["sales"])
    with pytest.raises(MonitoringInputError, match="'nope' is missing"):
        build_profile(SAMPLE, ["nope"])


@pytest.mark.parametrize(
    ("counts", "k", "groups"),
    [
        ([50, 50, 50], 10, [[0], [1], [2]]),
        ([50, 3, 50], 10, [[0, 1], [2]]),
        ([50, 3, 20], 10, [[0], [1, 2]]),
        ([2, 50, 1], 10, [[0, 1, 2]]),
        ([0, 0, 0, 100], 10, [[0, 1, 2, 3]]),
        ([4], 10, [[0]]),
        ([], 10, []),
    ],
)
def test_small_bins_merge_into_their_smaller_neighbour(
    counts: list[int], k: int, groups: list[list[int]]
) -> None:
    assert merge_groups(counts, k) == groups
