"""What the estimate does to save counting stays exact or errs on the side of caution:
- every listed combination's figures are those of plain counting (the search counts only
  the records no subset already singles out);
- over a sample, the unique share is never under the whole output's by more than a point;
- over a sample larger than the searches' subsample, the combinations say they are the
  subsample's, and the recommendation's share is the whole sample's under its spec."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pyarrow as pa
import pytest

from connectors.risk.estimate import SEARCH_ROWS, RiskEstimator, measure
from connectors.risk.recommend import recommend
from tests.connectors.risk.data import minimal_for, unique_share
from tests.connectors.risk.test_recommend import applied, plan_of

TOLERANCE = 0.01  # the sample's share may be under the exact one by at most this


def mixed(rows: int, seed: int, *, opened: int = 3000, spread: float = 1.2) -> pa.Table:
    """Columns of 2 to a few thousand values, some skewed: uniques on one, two, three."""
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "region": pa.array(rng.choice([f"r{i}" for i in range(12)], rows)),
            "band": pa.array(rng.integers(0, 40, rows)),
            "flag": pa.array(rng.integers(0, 2, rows)),
            "size": pa.array(np.round(rng.lognormal(3, spread, rows)).astype(np.int64)),
            "opened": pa.array(rng.integers(0, opened, rows)),
        }
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_every_listed_combination_is_what_plain_counting_says(seed: int) -> None:
    table = mixed(3000, seed)
    report, _ = measure(table, {})
    assert report.combinations and report.search["complete"]
    listed = {tuple(c["columns"]): c for c in report.combinations}
    for columns, found in listed.items():
        assert found["unique_records"] == round(unique_share(table, columns) * 3000)
        assert found["minimal_for"] == minimal_for(table, columns)
    # and none the listing ranks below is left out for one it ranks above
    least = min(c["minimal_for"] for c in report.combinations)
    candidates = report.candidate_columns
    for size in (1, 2, 3):
        for columns in combinations(candidates, size):
            if columns not in listed and len(listed) == 10:
                assert minimal_for(table, columns) <= least


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_a_sample_never_understates_the_unique_share(seed: int) -> None:
    table = mixed(40_000, seed, opened=3, spread=0.5)
    estimator = RiskEstimator({}, sample_rows=8_000, seed=seed)
    for batch in table.to_batches(max_chunksize=4096):
        estimator.update(batch)
    report, _ = estimator.result()
    assert report.sampled
    exact = unique_share(table, report.candidate_columns)
    assert 0.01 < exact < 0.99  # the data is what the test means it to be
    assert report.unique_share >= exact - TOLERANCE


def test_beyond_the_subsample_the_search_says_so_and_the_spec_is_confirmed() -> None:
    table = mixed(SEARCH_ROWS + 10_000, 7)
    report, measured = measure(table, {})
    assert report.search["rows_searched"] == SEARCH_ROWS
    assert "subsample" in report.search["method"]
    assert report.unique_share == pytest.approx(
        unique_share(table, report.candidate_columns)
    )  # the overall figure: the whole sample's
    rec = recommend(measured, plan_of(table), 0.01, unique_share=report.unique_share)
    assert rec.spec
    after = applied(table, rec.spec["columns"])
    confirmed = unique_share(after, report.candidate_columns)
    assert rec.unique_share_after == pytest.approx(confirmed)
    assert rec.reached == (confirmed <= 0.01)
