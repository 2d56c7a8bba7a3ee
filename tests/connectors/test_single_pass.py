"""Reading the source once: the same output as two passes when the bet holds, a clear miss
(after the last batch, nothing to keep) when it does not, and never where it cannot hold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from connectors.errors import PrivacyError, SinglePassMissed
from connectors.operators import OperatorContext, build_operator
from connectors.pipeline import ImportRun, Keys, plan_import, run_import
from connectors.sources import SyntheticSource, open_source
from connectors.sources.base import Source
from connectors.spec import ImportSpec

KEYS = Keys(pseudonym=b"p" * 32, surrogate=b"s" * 32)
SYNTHETIC = {"kind": "synthetic", "rows": 3000, "seed": 11}


def _spec(**fields: Any) -> ImportSpec:
    return ImportSpec.parse({"source": SYNTHETIC, **fields})


def _parquet(tmp_path: Path, columns: dict[str, Any], group: int = 64) -> Source:
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table(columns), path, row_group_size=group)
    return open_source({"kind": "parquet", "path": str(path)})


def _table(run: ImportRun) -> pa.Table:
    return pa.Table.from_batches(list(run), schema=run.schema)


@pytest.mark.parametrize(
    ("fields", "batch_rows"),
    [
        ({"columns": {"name": {"operator": "pseudonym"}}}, 700),  # five batches
        ({}, 3000),  # names as surrogates: one batch, every real name seen before any fake
    ],
)
def test_one_pass_writes_exactly_what_two_passes_write(
    fields: dict[str, Any], batch_rows: int
) -> None:
    source = SyntheticSource(rows=3000, seed=11)
    plan = plan_import(source, _spec(**fields), k=5)
    assert plan.quasi_identifiers  # address: counted at every level while written
    once = run_import(source, plan, KEYS, batch_rows=batch_rows, single_pass=True)
    twice = run_import(source, plan, KEYS, batch_rows=batch_rows)
    assert once.single_pass and not twice.single_pass
    assert _table(once).equals(_table(twice))
    assert (once.report.passes, twice.report.passes) == (1, 2)
    assert once.report.k_anonymity == twice.report.k_anonymity
    assert once.report.rows_out == twice.report.rows_out == 3000
    assert once.report.seconds["first_pass"] == 0.0


def test_a_bet_on_level_zero_lost_is_raised_after_the_last_batch(tmp_path: Path) -> None:
    born = [dt.date(1980 + i % 2, 1 + (i * 7) % 12, 1 + i % 28) for i in range(200)]
    source = _parquet(tmp_path, {"birth_date": born, "income": [float(i) for i in range(200)]})
    plan = plan_import(source, ImportSpec.parse({"source": SYNTHETIC, "k": 20}), k=5)
    assert plan.quasi_identifiers == ("birth_date",)  # months are too fine for k=20
    run = run_import(source, plan, KEYS, batch_rows=50, single_pass=True)
    assert run.single_pass
    batches = []
    with pytest.raises(SinglePassMissed, match="coarser levels or suppression"):
        batches.extend(run)
    assert sum(b.num_rows for b in batches) == 200  # every batch came, then the miss
    with pytest.raises(RuntimeError):
        _ = run.report
    again = run_import(source, plan, KEYS, batch_rows=50)
    out = _table(again)
    assert set(out.column("birth_date").to_pylist()) == {"1980", "1981"}


def test_k_anonymity_out_of_reach_is_refused_in_one_pass_too(tmp_path: Path) -> None:
    source = _parquet(tmp_path, {"shop_type": [f"type {i}" for i in range(100)]})
    fields = {"quasi_identifiers": ["shop_type"], "columns": {"shop_type": {"operator": "keep"}}}
    plan = plan_import(source, ImportSpec.parse({"source": SYNTHETIC, **fields}), k=5)
    with pytest.raises(PrivacyError, match="k-anonymity"):
        list(run_import(source, plan, KEYS, single_pass=True))


def test_a_fake_given_before_the_same_real_value_appears_is_a_miss(tmp_path: Path) -> None:
    params = {"entity": "PERSON", "locale": "zh_CN"}
    context = OperatorContext(surrogate_key=KEYS.surrogate)
    fake = build_operator("surrogate", params, context).apply(pa.array(["张伟"]))[0].as_py()
    names = ["张伟"] * 64 + ["李娜"] * 64 + [fake] * 64  # the fake is a real name, later on
    source = _parquet(tmp_path, {"owner": names, "sales": [1.0] * len(names)})
    fields = {"columns": {"owner": {"operator": "surrogate", "params": params}}}
    plan = plan_import(source, ImportSpec.parse({"source": SYNTHETIC, **fields}), k=2)
    with pytest.raises(SinglePassMissed, match="real value further on"):
        list(run_import(source, plan, KEYS, batch_rows=64, single_pass=True))
    out = _table(run_import(source, plan, KEYS, batch_rows=64))
    given = out.column("owner").to_pylist()
    assert not set(given) & set(names)  # two passes: no fake is a real name of the column
    # when the real value comes first, one pass sees it in time and agrees with two passes
    early = _parquet(tmp_path, {"owner": names[::-1], "sales": [1.0] * len(names)})
    once = run_import(early, plan, KEYS, batch_rows=64, single_pass=True)
    twice = run_import(early, plan, KEYS, batch_rows=64)
    assert _table(once).equals(_table(twice))


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"sample": {"n": 100, "seed": 1}}, "a sample is drawn before anything is written"),
        (
            {"quasi_identifiers": ["code"], "columns": {"code": {"operator": "suppress_rare"}}},
            "rare values are known only at the end",
        ),
        (
            {
                "quasi_identifiers": ["owner"],
                "columns": {"owner": {"operator": "surrogate", "params": {"entity": "PERSON"}}},
            },
            "an observed quasi-identifier is counted after observing",
        ),
    ],
)
def test_two_passes_where_one_cannot_be_trusted(
    tmp_path: Path, fields: dict[str, Any], why: str
) -> None:
    codes = ["A"] * 60 + ["B"] * 60 + ["C"]
    owners = ["张伟"] * 60 + ["李娜"] * 61
    source = _parquet(tmp_path, {"code": codes, "owner": owners})
    plan = plan_import(source, ImportSpec.parse({"source": SYNTHETIC, **fields}), k=2)
    run = run_import(source, plan, KEYS, single_pass=True)
    assert not run.single_pass, why
    list(run)
    assert run.report.passes == 2
