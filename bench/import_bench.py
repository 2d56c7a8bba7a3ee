"""Import throughput and memory, against baselines measured in the same run.

1. Our import of N synthetic merchant rows (14 columns, 7 with PII) from CSV into the
   sandbox: classification, desensitization, k-anonymity (two passes), the residual scan,
   encrypted Parquet; vs DuckDB copying the same CSV to plain Parquet (goal: at most 3x its
   time). The residual scan's own seconds are shown, with their share of the run: it runs in
   a thread of its own beside the reading, the operators and the writer (its seconds are
   that thread's wall time, waits for a core included); "scan wait" is what it added after
   the last batch (the pipeline waiting for it, then the comparison).
2. Per row, vs analyzing and anonymizing every cell with Presidio over a 10,000-row slice
   (goal: at least 100x faster per row).
3. Peak memory (RSS) of the import at 100,000 and 1,000,000 rows, each in a fresh process
   (goal: flat).

Each import runs in a fresh process, as its first import ("cold": it also builds Presidio's
analyzer and the pools of fake values); the main size (--rows) is also run "warm", after a
1,000-row import in the same process, as in a worker that has already imported something.

Run: .venv/bin/python bench/import_bench.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from connectors.sources.synthetic import SyntheticSource  # noqa: E402

PII = ["name", "id_number", "mobile", "bank_card", "uscc", "email", "address"]


def make_csv(path: Path, rows: int) -> None:
    source = SyntheticSource(rows=rows, seed=11)
    with pacsv.CSVWriter(path, source.schema()) as writer:
        for batch in source.batches(65_536):
            writer.write_batch(batch)


def duckdb_copy(csv: Path, out: Path) -> float:
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}' (FORMAT parquet)")
    con.close()
    return time.perf_counter() - start


def lab_import(csv: Path, home: Path, warm_up: Path | None = None) -> dict[str, float]:
    """Run one import in a fresh process (after importing `warm_up` there, if given);
    return its time and peak RSS."""
    code = f"""
import json, time, sys
sys.path.insert(0, {str(ROOT)!r})
from tests.lab.factories import make_lab, make_settings
from lab.identity.tenants import create_tenant
from lab.authz.chokepoint import Principal
from lab.auditing import Actor
from lab.imports.service import queue_import
from lab.work.worker import Worker
from lab.work.handlers import HANDLERS
from lab.work.queue import get_item
lab = make_lab(make_settings({str(home)!r}))
with lab.transaction() as s:
    create_tenant(s, "acme", "Acme")
def run(path, name):
    spec = json.dumps({{"source": {{"kind": "csv", "path": path}}}})
    item = queue_import(lab, Principal("bench", "acme"), Actor("bench"), tenant="acme",
                         zone="sandbox", name=name, spec_text=spec, local_files=True)
    start = time.perf_counter()
    Worker(lab, HANDLERS).run_once(only=item.id)
    return item, time.perf_counter() - start
if {warm_up is not None}:
    run({str(warm_up)!r}, "warm-up")
item, took = run({str(csv)!r}, "merchants")
with lab.read() as s:
    done = get_item(s, item.id)
assert done.state == "succeeded", done.message
# VmHWM: this process image's peak (ru_maxrss would also count the parent's before exec)
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
report = done.result["report"]
print(json.dumps({{"seconds": took, "rss_mb": rss, "rows_out": report["rows_out"],
                  "scan_s": report["seconds"].get("residual_scan", 0.0),
                  "wait_s": report["seconds"].get("residual_wait", 0.0),
                  "run_s": report["seconds"]["total"]}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def presidio_per_cell(csv: Path, rows: int = 10_000) -> float:
    from presidio_anonymizer import AnonymizerEngine

    from connectors.pii.analyzer import get_analyzer

    table = pacsv.read_csv(csv).slice(0, rows)
    analyzer, anonymizer = get_analyzer(), AnonymizerEngine()
    cells = [str(v) for c in PII for v in table.column(c).to_pylist() if v is not None]
    start = time.perf_counter()
    for text in cells:
        found = analyzer.analyze(text=text, language="zh")
        anonymizer.anonymize(text=text, analyzer_results=found)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--also", type=int, nargs="*", default=[], help="more sizes to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        sizes = sorted({100_000, args.rows, *args.also})
        results = {}
        for rows in sizes:
            csv = folder / f"merchants-{rows}.csv"
            make_csv(csv, rows)
            base = duckdb_copy(csv, folder / f"plain-{rows}.parquet")
            ours = lab_import(csv, folder / f"home-{rows}")
            results[rows] = (base, ours, csv.stat().st_size)
        small = folder / "merchants-1000.csv"
        make_csv(small, 1_000)
        main_size = args.rows
        warm = lab_import(folder / f"merchants-{main_size}.csv", folder / "home-warm", small)
        presidio = presidio_per_cell(folder / f"merchants-{sizes[0]}.csv")
    print(
        f"{'rows':>10} {'csv MiB':>8} {'duckdb copy s':>14} {'our import s':>13} "
        f"{'ratio':>6} {'rows/s':>10} {'peak RSS MiB':>13} {'scan s (share)':>15} "
        f"{'scan wait s':>11}"
    )
    for rows, (base, ours, size) in results.items():
        took, rss = ours["seconds"], ours["rss_mb"]
        print(
            f"{rows:>10,} {size / 2**20:>8.0f} {base:>14.2f} {took:>13.2f} "
            f"{took / base:>6.2f} {rows / took:>10,.0f} {rss:>13.0f} "
            f"{ours['scan_s']:>7.2f} ({ours['scan_s'] / ours['run_s']:>4.0%}) "
            f"{ours['wait_s']:>11.2f}"
        )
    base = results[main_size][0]
    print(
        f"{main_size:>10,} rows warm (after a 1,000-row import in the same process): "
        f"{warm['seconds']:.2f} s, {warm['seconds'] / base:.2f}x the DuckDB copy, "
        f"{main_size / warm['seconds']:,.0f} rows/s; residual scan {warm['scan_s']:.2f} s, "
        f"{warm['wait_s']:.2f} s of it after the last batch"
    )
    big = results[max(results)][1]
    per_row_ours = big["seconds"] / max(results)
    per_row_presidio = presidio / 10_000
    print(
        f"Presidio analyze+anonymize per cell, 10,000 rows x {len(PII)} PII columns: "
        f"{presidio:.1f} s = {per_row_presidio * 1e3:.2f} ms/row; ours {per_row_ours * 1e6:.1f} "
        f"us/row: {per_row_presidio / per_row_ours:,.0f}x faster"
    )
    peak = [results[r][1]["rss_mb"] for r in sorted(results)]
    print(
        f"peak RSS {peak[0]:.0f} MiB at {min(results):,} rows vs {peak[-1]:.0f} MiB at "
        f"{max(results):,} rows ({peak[-1] / peak[0]:.2f}x)"
    )


if __name__ == "__main__":
    main()
