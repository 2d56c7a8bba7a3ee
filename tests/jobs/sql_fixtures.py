"""Shared inputs for the SQL engine tests (plain helpers: tests/jobs has no conftest, so the
Python engine's tests next door are not affected)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import pyarrow as pa

from jobs.engines.sql import InputTable, SqlLimits, SqlResult, run_sql

CANARY = "CANARY-7f3a-do-not-leak"

MERCHANTS = pa.table(
    {
        "merchant_id": [1, 2, 3, 4, 5, 6],
        "city": ["杭州", "杭州", "上海", "上海", "上海", "北京"],
        "monthly_sales": [100.0, 250.0, 80.0, 120.0, 40.0, 300.0],
        "defaulted": [0, 1, 0, 0, 1, 0],
    }
)
LOANS = pa.table({"merchant_id": [1, 1, 3, 5, 6], "amount": [10, 20, 30, 40, 50]})
LIMITS = SqlLimits(wall_seconds=10, max_rows=10_000, memory_mb=256)


def run(
    query: str,
    tmp_path: Path,
    *,
    limits: SqlLimits = LIMITS,
    tables: Mapping[str, InputTable] | None = None,
    allowed_columns: Mapping[str, Collection[str]] | None = None,
    truncate: bool = False,
) -> SqlResult:
    return run_sql(
        query,
        tables if tables is not None else {"merchants": MERCHANTS, "loans": LOANS},
        limits=limits,
        temp_dir=tmp_path / "work",
        allowed_columns=allowed_columns,
        truncate=truncate,
    )


def plant_canaries(root: Path) -> dict[str, Path]:
    """Files an attacker would like to read: the lab's home, another tenant's storage."""
    lab_home = root / "lab-home"
    other = root / "lab-home" / "storage" / "sandbox" / "globex" / "datasets"
    other.mkdir(parents=True)
    (lab_home / "settings.env").write_text(f"LAB_MASTER_KEY={CANARY}\n")
    (other / "merchants.csv").write_text(f"id,name\n1,{CANARY}\n")
    (other / "merchants.parquet").write_bytes(b"PAR1" + CANARY.encode() + b"PAR1")
    return {"lab_home": lab_home, "other": other}
