"""The disclosure gate on file outputs: type, size, content; tables inside files."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jobs.gate import GateResult, GateRules, check_output

RULES = GateRules()


def png(extra: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    image = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
    return image + chunk(b"IEND", b"") + extra


def gate(path: Path, rules: GateRules = RULES, **kwargs: Any) -> GateResult:
    return check_output("report", "moderately_sensitive", file=path, rules=rules, **kwargs)


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plot.png", png()),
        ("metrics.json", json.dumps({"auc": 0.81, "rows": 1200})),
        ("by_city.csv", "city,n\n杭州,15\n上海,120\n"),
        ("PLOT.PNG", png()),
    ],
)
def test_good_files_pass(name: str, content: bytes | str, tmp_path: Path) -> None:
    result = gate(write(tmp_path, name, content))
    assert result.allowed, result.findings
    assert result.findings == []


@pytest.mark.parametrize(
    ("name", "content", "rule", "says"),
    [
        ("model.pkl", b"\x80\x04K\x01.", "file_type", ".pkl files may not leave the zone"),
        ("notes.txt", "hello", "file_type", ".txt files may not leave the zone"),
        ("by_city.csv.exe", "MZ", "file_type", ".exe files"),
        ("README", "x", "file_type", "files without an extension"),
        ("plot.png", b"GIF89a....", "file_content", "does not start with the PNG signature"),
        ("plot.png", png(b"PK\x03\x04 smuggled zip"), "file_content", "bytes after the end"),
        ("plot.png", png()[:-12], "file_content", "has no IEND chunk"),
        ("plot.png", png()[:30], "file_content", "runs past the end"),
        ("metrics.json", "{'auc': 0.8}", "file_content", "not valid JSON"),
        ("metrics.json", b"\xff\xfe{}", "file_content", "not valid JSON"),
        ("by_city.csv", "a,b\n1,2,3\n", "file_content", "cannot be read as csv"),
        ("by_city.parquet", b"PAR1 not really PAR1", "file_content", "cannot be read as parquet"),
    ],
)
def test_bad_files_block(
    name: str, content: bytes | str, rule: str, says: str, tmp_path: Path
) -> None:
    result = gate(write(tmp_path, name, content))
    assert not result.allowed and result.table is None
    (finding,) = result.findings
    assert (finding.rule, finding.severity, finding.output) == (rule, "block", "report")
    assert says in finding.message
    assert finding.message.startswith(f"{name} (output report): ")


def test_csv_parse_errors_do_not_quote_the_row(tmp_path: Path) -> None:
    result = gate(write(tmp_path, "x.csv", "a,b\n1,SECRET-ROW,3\n"))
    assert "SECRET-ROW" not in result.findings[0].message


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.json", "[" + "1," * 600 + "1]")
    result = gate(path, GateRules(max_file_bytes=1000))
    (finding,) = result.findings
    assert finding.rule == "file_size" and finding.value == str(path.stat().st_size)
    assert "more than the 1000 a released file may have" in finding.message
    assert gate(path, GateRules(max_file_bytes=path.stat().st_size)).allowed


def test_allowed_types_come_from_the_zone(tmp_path: Path) -> None:
    path = write(tmp_path, "plot.png", png())
    result = gate(path, GateRules(allowed_file_types=frozenset({"csv"})))
    assert not result.allowed and "(allowed: csv)" in result.findings[0].message


@pytest.mark.parametrize("kind", ["symlink", "directory", "missing"])
def test_only_regular_files(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    if kind == "symlink":
        path.symlink_to("/etc/passwd")
    elif kind == "directory":
        path.mkdir()
    result = gate(path)
    assert not result.allowed
    assert [f.rule for f in result.findings] == ["regular_file"]


def test_csv_is_checked_like_a_table(tmp_path: Path) -> None:
    path = write(tmp_path, "by_city.csv", "city,n,mobile\n杭州,3,x\n上海,27,y\n")
    result = gate(path)
    assert not result.allowed
    assert {f.rule for f in result.findings} == {"min_cell_count", "rounding", "identifier_column"}
    suppressed = next(f for f in result.findings if f.rule == "min_cell_count")
    assert (suppressed.column, suppressed.row, suppressed.value) == ("n", 0, "3")
    assert suppressed.message.startswith("by_city.csv (output report): cell (row 0, column n)")


def test_checked_table_is_what_may_be_released(tmp_path: Path) -> None:
    table = pa.table({"city": ["杭州", "上海"], "n": [3, 27]})
    pq.write_table(table, tmp_path / "by_city.parquet")
    result = gate(tmp_path / "by_city.parquet")
    assert result.allowed and result.table is not None
    assert result.table.column("n").to_pylist() == [None, 25]
    assert [f.rule for f in result.findings] == ["min_cell_count", "rounding"]


def test_highly_sensitive_file_stays(tmp_path: Path) -> None:
    path = write(tmp_path, "plot.png", png())
    result = check_output("plot", "highly_sensitive", file=path, rules=RULES)
    assert not result.allowed and "stays in the zone" in result.findings[0].message
