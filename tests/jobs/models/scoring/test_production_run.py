"""A production scoring run in process: row-level scores and bands for the owner, band
aggregates for the partner that the disclosure gate lets through unchanged."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from jobs.gate import GateRules, check_output
from jobs.gate.probe import InputProbe
from jobs.models.formats import FLAVOURS, ScoringInputInvalid, load_scorer
from jobs.models.scoring import (
    BandCounts,
    ScoreBands,
    ScoringRun,
    partner_table,
    run_scoring,
)
from tests.jobs.models.scoring.data import artifact, declared_features
from tests.jobs.models.scoring.production_data import BANDS, write_production

ROWS = 4000


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_production(tmp_path_factory.mktemp("production-run"), ROWS)


def _run(
    production: Path, out: Path, flavour: str = "lightgbm", label: str | None = "default"
) -> ScoringRun:
    scorer = load_scorer(flavour, artifact(flavour), features=declared_features(flavour))
    relation = duckdb.connect().sql(f"SELECT * FROM read_parquet('{production}')")
    return run_scoring(relation, scorer, "merchant_id", BANDS, out, label_column=label,
                       batch_rows=700)  # fmt: skip


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_owner_gets_every_row_with_key_score_and_band(
    flavour: str, production: Path, tmp_path: Path
) -> None:
    run = _run(production, tmp_path / "scores.parquet", flavour)
    rows = pq.read_table(tmp_path / "scores.parquet")
    assert rows.column_names == ["merchant_id", "score", "band"]
    assert rows.num_rows == ROWS == run.rows
    scores = rows.column("score").to_numpy()
    expected = np.searchsorted(np.asarray(BANDS.edges), scores, side="right") + 1
    assert (rows.column("band").to_numpy() == expected).all()
    assert run.counts.records[1:].sum() == ROWS
    assert run.counts.approved.sum() == int((scores < BANDS.cutoff).sum())
    assert "default" not in rows.column_names


def test_partner_table_merges_and_rounds_and_passes_the_gate(
    production: Path, tmp_path: Path
) -> None:
    run = _run(production, tmp_path / "scores.parquet")
    table = run.partner_table(min_cell_count=10, rounding=5)
    counts = table.column("record_count").to_pylist()
    assert all(c is not None and c >= 10 and c % 5 == 0 for c in counts)
    assert len(counts) < BANDS.count  # the thin top bands were merged
    assert any("-" in band for band in table.column("band").to_pylist())
    assert sum(counts) == pytest.approx(ROWS, abs=5 * len(counts))
    rates = table.column("bad_rate").to_pylist()
    assert all(r is None or 0 <= r <= 1 for r in rates)
    labelled, bad = table.column("labelled_count").to_pylist(), table.column("bad_count")
    for count, bads, rate in zip(labelled, bad.to_pylist(), rates, strict=True):
        assert rate is None or rate == pytest.approx(bads / count)
    probe = InputProbe({"production": pads.dataset(production)},
                       entity_keys={"production": "merchant_id"})  # fmt: skip
    result = check_output("score_bands", "moderately_sensitive", table=table,
                          rules=GateRules(min_cell_count=10, rounding=5), probe=probe)  # fmt: skip
    assert result.allowed, result.findings
    assert [f for f in result.findings if f.severity in ("fixed", "block", "review")] == []
    assert result.table is not None and result.table.equals(table)


def test_no_row_level_value_reaches_the_partner(production: Path, tmp_path: Path) -> None:
    run = _run(production, tmp_path / "scores.parquet")
    table = run.partner_table(min_cell_count=10, rounding=5)
    rows = pq.read_table(tmp_path / "scores.parquet")
    cells = {v for column in table.columns for v in column.to_pylist() if v is not None}
    keys = set(rows.column("merchant_id").to_pylist())
    scores = set(rows.column("score").to_pylist())
    assert not cells & keys and not cells & scores
    assert {c for c in cells if isinstance(c, float)} - scores  # there are floats: edges, rates


def test_no_labels_no_bad_rate_columns(production: Path, tmp_path: Path) -> None:
    table = _run(production, tmp_path / "s.parquet", label=None).partner_table(
        min_cell_count=10, rounding=5
    )
    assert table.column_names == ["band", "score_from", "score_to", "record_count",
                                  "approved_count", "approval_rate"]  # fmt: skip


def _counts(records: list[int], approved: list[int], bads: list[int]) -> BandCounts:
    bands = ScoreBands(edges=tuple(float(i) for i in range(1, len(records))), cutoff=2.5)
    counts = BandCounts(bands, with_labels=True)
    counts.records[1:] = records
    counts.approved[1:] = approved
    counts.labelled[1:] = records
    counts.bads[1:] = bads
    return counts


@pytest.mark.parametrize(
    ("records", "approved", "bads", "bands", "record_count", "approved_count", "bad_count"),
    [
        # every band large: kept, rounded
        ([100, 52, 38], [100, 52, 0], [3, 11, 20], ["1", "2", "3"], [100, 50, 40],
         [100, 50, None], [None, 10, 20]),
        # a band of 4 merged into its smaller neighbour
        ([100, 4, 30], [100, 4, 0], [30, 4, 13], ["1", "2-3"], [100, 35], [100, None],
         [30, 15]),
        # a band of 9 merged into its neighbour of 12; a count of 11 rounds down to 10
        ([11, 12, 9], [11, 12, 9], [11, 12, 9], ["1", "2-3"], [10, 20], [10, 20], [10, 20]),
        # everything small: one band, its counts suppressed
        ([3, 2, 1], [3, 2, 0], [0, 0, 1], ["1-3"], [None], [None], [None]),
    ],
)  # fmt: skip
def test_small_bands_and_counts_are_merged_or_suppressed(
    records: list[int], approved: list[int], bads: list[int], bands: list[str],
    record_count: list[int | None], approved_count: list[int | None],
    bad_count: list[int | None],
) -> None:  # fmt: skip
    table = partner_table(_counts(records, approved, bads), min_cell_count=10, rounding=5)
    assert table.column("band").to_pylist() == bands
    assert table.column("record_count").to_pylist() == record_count
    assert table.column("approved_count").to_pylist() == approved_count
    assert table.column("bad_count").to_pylist() == bad_count
    for column in ("approval_rate", "bad_rate"):
        count = "approved_count" if column == "approval_rate" else "bad_count"
        nulls = [v is None for v in table.column(count).to_pylist()]
        assert [v is None for v in table.column(column).to_pylist()] == nulls


def test_a_missing_label_column_and_bad_bands_are_refused(production: Path, tmp_path: Path) -> None:
    with pytest.raises(ScoringInputInvalid, match="'nope' is missing"):
        _run(production, tmp_path / "s.parquet", label="nope")
    with pytest.raises(ScoringInputInvalid, match="strictly increasing"):
        ScoreBands(edges=(0.5, 0.2), cutoff=0.3)
    scorer = load_scorer("lightgbm", artifact("lightgbm"))
    with pytest.raises(ScoringInputInvalid, match="key column 'id' is missing"):
        run_scoring(pa.table({"x": [1]}), scorer, "id", BANDS, tmp_path / "x.parquet")
    with pytest.raises(ScoringInputInvalid, match="Arrow batches"):
        run_scoring(42, scorer, "id", BANDS, tmp_path / "x.parquet")
    with pytest.raises(ScoringInputInvalid, match="named like the band column"):
        run_scoring(pa.table({"band": [1]}), scorer, "band", BANDS, tmp_path / "x.parquet")


@pytest.mark.parametrize(
    ("orientation", "bands", "approved"),
    [
        ("risk", [1, 2, 2, 3, 0], [True, False, False, False, False]),
        ("points", [1, 2, 2, 3, 0], [False, True, True, True, False]),
    ],
)
def test_bands_and_the_cut_off_follow_the_orientation(
    orientation: str, bands: list[int], approved: list[bool]
) -> None:
    scheme = ScoreBands(edges=(10.0, 20.0), cutoff=10.0, orientation=orientation)  # type: ignore[arg-type]
    scores = np.array([5.0, 10.0, 19.9, 20.0, np.nan])
    assert scheme.band_of(scores).tolist() == bands
    assert scheme.approved(scores).tolist() == approved
    counts = BandCounts(scheme, with_labels=False)
    counts.add(pa.array([5.0, 10.0, 19.9, 20.0, None]))
    assert counts.records.tolist() == [1, 1, 2, 1] and counts.approved.sum() == sum(approved)
