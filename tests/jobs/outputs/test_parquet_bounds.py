"""Outputs are judged before they are read: a Parquet footer that declares more than a
reader may hold is refused without loading the file, and reading stops at the bounds."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.errors import LimitExceeded
from jobs.gate import GateRules, check_output
from jobs.outputs import OutputBounds, inspect_parquet, read_csv_bounded, read_parquet_bounded

BOUNDS = OutputBounds.for_job(max_rows=1_000_000, memory_mb=256)
DECLARED_ROWS = 120_000_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small file whose footer declares 120M rows of a constant (dictionary + RLE)."""
    path = tmp_path_factory.mktemp("bomb") / "out.parquet"
    chunk = pa.table({"c": pa.array(np.zeros(4_000_000, dtype=np.int64))})
    with pq.ParquetWriter(path, chunk.schema, compression="zstd") as writer:
        for _ in range(DECLARED_ROWS // chunk.num_rows):
            writer.write_table(chunk, row_group_size=chunk.num_rows)
    return path


def test_a_small_file_declaring_a_huge_table_is_refused_from_its_footer(bomb: Path) -> None:
    assert bomb.stat().st_size < 1024 * 1024
    assert pq.ParquetFile(bomb).metadata.num_rows == DECLARED_ROWS
    before, started = rss_mb(), time.monotonic()
    refused = "declares more than the 1000000 rows allowed; refused without"
    with pytest.raises(LimitExceeded, match=refused):
        read_parquet_bounded(bomb, BOUNDS)
    assert time.monotonic() - started < 1.0
    assert rss_mb() - before < 20


def test_the_gate_refuses_it_as_a_file_output_with_a_clear_finding(bomb: Path) -> None:
    before = rss_mb()
    result = check_output("report", "moderately_sensitive", file=bomb, rules=GateRules())
    assert not result.allowed
    [finding] = result.findings
    assert finding.rule == "max_rows" and "refused before reading" in finding.message
    assert rss_mb() - before < 20


def test_declared_bytes_count_values_not_just_encoded_pages(tmp_path: Path) -> None:
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({"c": pa.array(np.zeros(2_000_000, dtype=np.int64))}), path)
    small = OutputBounds(max_rows=10_000_000, max_bytes=8 * 1024 * 1024)
    with pytest.raises(
        LimitExceeded, match="declares more than the 8 MiB of values in memory allowed"
    ):
        inspect_parquet(path, small)
    large = OutputBounds(max_rows=10_000_000, max_bytes=64 * 1024 * 1024)
    assert inspect_parquet(path, large).num_rows == 2_000_000


def test_one_long_value_repeated_is_counted_before_it_is_decoded(tmp_path: Path) -> None:
    """A dictionary page holds one 1 MB string; 2,000 rows point at it: 2 GB once decoded,
    though the footer declares about 1 MB."""
    path = tmp_path / "repeat.parquet"
    value = "x" * (1024 * 1024)
    column = pa.DictionaryArray.from_arrays(pa.array(np.zeros(2000, dtype=np.int32)), [value])
    pq.write_table(pa.table({"s": column}), path)
    inspect_parquet(path, BOUNDS)  # the footer alone looks small
    before = rss_mb()
    with pytest.raises(LimitExceeded, match="in memory"):
        read_parquet_bounded(path, BOUNDS)
    assert rss_mb() - before < 50


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.parquet"
    pq.write_table(pa.table({"l": pa.array([[[[[1]]]]])}), path)
    with pytest.raises(LimitExceeded, match="more than 3 levels deep"):
        inspect_parquet(path, BOUNDS)


def test_files_within_bounds_read_back_whole(tmp_path: Path) -> None:
    table = pa.table({"city": ["杭州", "上海", None], "n": [15, 120, 3], "l": [[1], [], None]})
    pq.write_table(table, tmp_path / "ok.parquet", row_group_size=2)
    assert read_parquet_bounded(tmp_path / "ok.parquet", BOUNDS).equals(table)
    (tmp_path / "ok.csv").write_text("city,n\n杭州,15\n上海,120\n", encoding="utf-8")
    assert read_csv_bounded(tmp_path / "ok.csv", BOUNDS).num_rows == 2
    with pytest.raises(LimitExceeded, match="has more than the 1 rows allowed"):
        read_csv_bounded(tmp_path / "ok.csv", OutputBounds(max_rows=1, max_bytes=1 << 20))
