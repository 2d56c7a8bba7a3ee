"""The import pipeline end to end, on the synthetic source and on small Parquet files."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.errors import PrivacyError, ResidualLeak, SourceError, SpecError
from connectors.pipeline import Keys, plan_import, run_import
from connectors.sources import SyntheticSource, open_source
from connectors.sources.base import Source
from connectors.spec import ImportSpec

KEYS = Keys(pseudonym=b"p" * 32, surrogate=b"s" * 32)
SYNTHETIC = {"kind": "synthetic", "rows": 3000, "seed": 11}


def spec(**fields: Any) -> ImportSpec:
    return ImportSpec.parse({"source": SYNTHETIC, **fields})


def run_all(source: Source, plan: Any, keys: Keys = KEYS) -> tuple[pa.Table, Any]:
    run = run_import(source, plan, keys, batch_rows=700)
    table = pa.Table.from_batches(list(run), schema=run.schema)
    return table, run.report


def parquet_source(tmp_path: Path, columns: dict[str, Any]) -> Source:
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table(columns), path, row_group_size=64)
    return open_source({"kind": "parquet", "path": str(path)})


@pytest.fixture(scope="module")
def synthetic() -> Iterator[tuple[Source, pa.Table]]:
    source = SyntheticSource(rows=3000, seed=11)
    yield source, pa.Table.from_batches(list(source.batches()))


def test_end_to_end_synthetic_and_no_identifier_leaks(
    synthetic: tuple[Source, pa.Table],
) -> None:
    source, raw = synthetic
    plan = plan_import(source, spec(), k=5)
    operators = {c.column: c.operator for c in plan.columns}
    assert operators["id_number"] == operators["mobile"] == operators["bank_card"] == "pseudonym"
    assert operators["uscc"] == operators["email"] == "pseudonym"
    assert operators["name"] == "surrogate" and operators["address"] == "generalize"
    assert "address" in plan.quasi_identifiers  # a generalized column is a quasi-identifier
    out, report = run_all(source, plan)

    assert out.num_rows == report.rows_out == 3000 - report.rows_suppressed
    assert out.column_names == raw.column_names
    assert all(v.startswith("p_") and len(v) == 34 for v in out.column("mobile").to_pylist())
    assert set(out.column("address").to_pylist()) <= {
        a[: a.index("市") + 1] for a in raw.column("address").to_pylist()
    }
    identifiers = [c.column for c in plan.columns if c.classification == "identifier"]
    secrets = {v for c in identifiers for v in raw.column(c).to_pylist() if v}
    assert len(secrets) > 5 * 3000
    cells = {v for c in out.column_names for v in out.column(c).to_pylist() if isinstance(v, str)}
    assert not secrets & cells  # no raw identifier value in any output cell
    text = "\x00".join(cells)
    grams = {text[i : i + 8] for i in range(len(text) - 7)}
    assert not [s for s in secrets if len(s) >= 8 and s[:8] in grams and s in text]  # nor inside
    report_text = json.dumps(report.to_dict(), ensure_ascii=False) + plan.to_json()
    assert not [s for s in secrets if s in report_text]
    assert report.k_anonymity.achieved and report.k_anonymity.smallest_class >= 5
    assert {c.column: c.kept for c in report.columns}["name"]


def test_same_key_same_output_other_key_other_pseudonyms(
    synthetic: tuple[Source, pa.Table],
) -> None:
    source, _ = synthetic
    plan = plan_import(source, spec(), k=5)
    first, _ = run_all(source, plan)
    again, _ = run_all(source, plan)
    other, _ = run_all(source, plan, Keys(pseudonym=b"P" * 32, surrogate=b"S" * 32))
    assert first.equals(again)
    assert not set(first.column("id_number").to_pylist()) & set(
        other.column("id_number").to_pylist()
    )


def test_sample_n(synthetic: tuple[Source, pa.Table]) -> None:
    source, _ = synthetic
    plan = plan_import(source, spec(sample={"n": 400, "seed": 3}), k=5)
    progress: list[int] = []
    run = run_import(source, plan, KEYS, progress=progress.append, batch_rows=700)
    rows = sum(b.num_rows for b in run)
    assert run.report.rows_in == 3000 and run.report.rows_selected == 400
    assert rows == run.report.rows_out <= 400
    assert progress == sorted(progress) and progress[-1] == 3000


def test_generalization_then_suppression(tmp_path: Path) -> None:
    """Birth months are too fine for k=20 over 200 rows: years are used. One outlier city:
    coarsened away by default, suppressed with a 1% tolerance."""
    born = [dt.date(1980 + i % 2, 1 + (i * 7) % 12, 1 + i % 28) for i in range(200)]
    cities = ["杭州市"] * 120 + ["宁波市"] * 79 + ["拉萨市"]
    source = parquet_source(
        tmp_path, {"birth_date": born, "city": cities, "income": [float(i) for i in range(200)]}
    )
    plan = plan_import(source, ImportSpec.parse({"source": SYNTHETIC, "k": 20}), k=5)
    assert plan.quasi_identifiers == ("birth_date", "city")
    assert plan.column("birth_date").params == {"level": "month"}
    out, report = run_all(source, plan)
    assert report.k_anonymity.generalization_steps == [
        "birth_date: generalize(level=month) -> generalize(level=year)",
        "city: generalize(level=city) -> generalize(level=province)",  # for one outlier
    ]
    assert report.rows_suppressed == 0
    assert set(out.column("city").to_pylist()) == {None}  # bare city names have no province

    tolerant = {"source": SYNTHETIC, "k": 20, "suppression_tolerance": 0.01}
    plan = plan_import(source, ImportSpec.parse(tolerant), k=5)
    out, report = run_all(source, plan)
    k = report.k_anonymity
    assert k.generalization_steps == [
        "birth_date: generalize(level=month) -> generalize(level=year)"
    ]
    assert report.rows_suppressed == k.rows_suppressed == 1
    assert "拉萨市" not in out.column("city").to_pylist()
    assert set(out.column("birth_date").to_pylist()) == {"1980", "1981"}
    born_report = next(c for c in report.columns if c.column == "birth_date")
    assert born_report.params == {"level": "year"}
    assert "coarsened for k-anonymity" in born_report.reason


def test_refusal_comes_before_any_row(tmp_path: Path) -> None:
    source = parquet_source(tmp_path, {"shop_type": [f"type {i}" for i in range(100)]})
    fields = {"quasi_identifiers": ["shop_type"], "columns": {"shop_type": {"operator": "keep"}}}
    plan = plan_import(source, ImportSpec.parse({"source": SYNTHETIC, **fields}), k=5)
    run = run_import(source, plan, KEYS)
    with pytest.raises(PrivacyError, match="k-anonymity"):
        next(run)
    with pytest.raises(RuntimeError):
        _ = run.report


def test_overrides(synthetic: tuple[Source, pa.Table]) -> None:
    source, _ = synthetic
    with pytest.raises(SpecError, match="keep would copy identifier") as caught:
        plan_import(source, spec(columns={"mobile": {"operator": "keep"}}), k=5)
    assert caught.value.column == "mobile"
    with pytest.raises(SpecError, match="no column 'ghost'"):
        plan_import(source, spec(columns={"ghost": {"operator": "drop"}}), k=5)
    with pytest.raises(SpecError, match="needs a numeric column"):
        plan_import(
            source, spec(columns={"name": {"operator": "generalize", "params": {"band": 10}}}), k=5
        )
    plan = plan_import(
        source,
        spec(
            columns={
                "mobile": {"operator": "mask", "params": {"keep_last": 4}},
                "merchant_id": {"operator": "keep", "classification": "plain"},
                "email": {"operator": "drop"},
                "bank_card": {"operator": "surrogate"},
                "loans": {"operator": "suppress_rare", "params": {"min_count": 50}},
            },
        ),
        k=5,
    )
    assert plan.column("bank_card").params["entity"] == "BANK_CARD"  # taken from the finding
    out, report = run_all(source, plan)
    assert "email" not in out.column_names
    assert all(m.startswith("*******") for m in out.column("mobile").to_pylist())
    counts = (
        pa.table({"loans": out.column("loans")}).group_by("loans").aggregate([([], "count_all")])
    )
    assert all(n >= 50 for v, n in zip(*counts.to_pydict().values(), strict=True) if v is not None)
    loans = next(c for c in report.columns if c.column == "loans")
    assert loans.stats.get("suppressed_cells", 0) > 0


def test_free_text_scrubbed_or_dropped(tmp_path: Path) -> None:
    remarks = ["客户按时还款，经营稳定。", "请致电13812345678联系负责人。", None] * 20
    remarks[-1] = "账户6222021234567890123有异常。"  # PII may remain: unsure
    source = parquet_source(tmp_path, {"remark": remarks, "amount": list(range(60))})
    base = {"source": SYNTHETIC}
    plan = plan_import(source, ImportSpec.parse(base), k=5)
    assert plan.column("remark").free_text
    assert plan.column("remark").operator == "drop"
    out, report = run_all(source, plan)
    assert out.column_names == ["amount"]
    assert report.free_text_dropped == [
        {"column": "remark", "reason": plan.column("remark").reason}
    ]
    # keep_scrubbed keeps the column only if it comes out clean: the account number the
    # scrubber was unsure of would be written as is, so the import fails instead
    kept = plan_import(source, ImportSpec.parse({**base, "free_text": "keep_scrubbed"}), k=5)
    with pytest.raises(ResidualLeak, match="column 'remark'") as failed:
        run_all(source, kept)
    assert "6222021234567890123" not in str(failed.value)
    clean = parquet_source(tmp_path, {"remark": remarks[:-1], "amount": list(range(59))})
    kept = plan_import(clean, ImportSpec.parse({**base, "free_text": "keep_scrubbed"}), k=5)
    out, report = run_all(clean, kept)
    texts = [t for t in out.column("remark").to_pylist() if t]
    assert texts and not [t for t in texts if "13812345678" in t]
    [remark] = [c for c in report.columns if c.column == "remark"]
    assert remark.kept and remark.residual.startswith("clean"), remark


def test_source_changing_between_passes(tmp_path: Path) -> None:
    class Shrinking:
        kind = "memory"

        def __init__(self) -> None:
            self.calls = 0

        def schema(self) -> pa.Schema:
            return pa.schema([("age", pa.int64())])

        def batches(
            self, batch_rows: int = 65_536, columns: Sequence[str] | None = None
        ) -> Iterator[pa.RecordBatch]:
            self.calls += 1
            rows = 200 if self.calls <= 2 else 150  # plan scan, pass 1, then pass 2
            yield pa.record_batch({"age": [30 + i % 20 for i in range(rows)]})

        def describe(self) -> dict[str, Any]:
            return {"kind": self.kind}

    source = Shrinking()
    plan = plan_import(source, ImportSpec.parse({"source": SYNTHETIC}), k=5)
    assert plan.quasi_identifiers == ("age",)
    with pytest.raises(SourceError, match="changed between passes"):
        list(run_import(source, plan, KEYS))


def test_quasi_identifier_needing_counts(tmp_path: Path) -> None:
    """Postcodes: rare ones suppressed by value counts from pass 1, then k-anonymity over
    the suppressed values (null is one class)."""
    codes = ["310000"] * 50 + ["315000"] * 30 + [f"85000{i}" for i in range(6)]
    source = parquet_source(tmp_path, {"postcode": codes, "sales": [1.0] * len(codes)})
    plan = plan_import(source, ImportSpec.parse({"source": SYNTHETIC}), k=5)
    assert plan.column("postcode").operator == "suppress_rare"
    assert plan.quasi_identifiers == ("postcode",)
    out, report = run_all(source, plan)
    assert out.num_rows == len(codes)  # 6 rare codes became null: one class of 6 >= k
    assert out.column("postcode").to_pylist().count(None) == 6
    postcode = next(c for c in report.columns if c.column == "postcode")
    assert postcode.stats == {"suppressed_cells": 6}
    assert report.k_anonymity.classes == 3 and report.k_anonymity.smallest_class == 6


def test_prefetch_same_output_progress_on_caller_thread_and_close(
    synthetic: tuple[Source, pa.Table],
) -> None:
    source, _ = synthetic
    plan = plan_import(source, spec(), k=5)
    threads: set[int] = set()
    ahead = run_import(
        source, plan, KEYS, batch_rows=500, progress=lambda n: threads.add(threading.get_ident())
    )
    inline = run_import(source, plan, KEYS, batch_rows=500, prefetch=0)
    assert pa.Table.from_batches(list(ahead)).equals(pa.Table.from_batches(list(inline)))
    assert threads == {threading.get_ident()}
    assert ahead.report.rows_out == inline.report.rows_out

    with run_import(source, plan, KEYS, batch_rows=500) as run:
        next(run)
        helper = run._stream._thread  # type: ignore[attr-defined]
    assert list(run) == []  # closed: nothing more
    helper.join(timeout=5)
    assert not helper.is_alive()  # and the helper thread has stopped


@pytest.mark.parametrize("prefetch", [2, 0])
def test_on_produced_after_the_last_batch_before_the_verdict(tmp_path: Path, prefetch: int) -> None:
    remarks = ["客户按时还款，经营稳定。"] * 59 + ["账户6222021234567890123有异常。"]
    source = parquet_source(tmp_path, {"remark": remarks, "amount": list(range(60))})
    base = {"source": SYNTHETIC, "free_text": "keep_scrubbed"}
    plan = plan_import(source, ImportSpec.parse(base), k=5)
    calls: list[tuple[int, int]] = []  # (batches taken by then, thread)
    taken: list[pa.RecordBatch] = []

    def produced() -> None:
        calls.append((len(taken), threading.get_ident()))

    run = run_import(source, plan, KEYS, batch_rows=7, prefetch=prefetch, on_produced=produced)
    with pytest.raises(ResidualLeak, match="column 'remark'"):  # the verdict still comes
        for batch in run:
            taken.append(batch)
    assert calls == [(len(taken), threading.get_ident())] and len(taken) == 9
    # a clean run: called once, every batch taken before, the report there after
    clean = parquet_source(tmp_path, {"remark": remarks[:-1], "amount": list(range(59))})
    plan = plan_import(clean, ImportSpec.parse(base), k=5)
    calls.clear()
    taken.clear()
    run = run_import(clean, plan, KEYS, batch_rows=7, prefetch=prefetch, on_produced=produced)
    taken.extend(run)
    assert calls == [(len(taken), threading.get_ident())] and sum(b.num_rows for b in taken) == 59
    assert run.report.rows_out == 59
