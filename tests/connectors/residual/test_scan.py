"""The residual scan through the pipeline: weakened plans fail naming column and entity and
never a value; a raw value is found wherever and whenever it reappears; unclean free text
is dropped, not written; a clean import reports every column clean."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pytest
from faker import Faker

from connectors.errors import FreeTextUnclean, ResidualLeak
from connectors.operators import registry
from connectors.operators.base import NoParams, Operator, OperatorParams
from connectors.pipeline import Keys, plan_import, run_import
from connectors.report import ImportPlan, drop_columns
from connectors.residual import hashes
from connectors.sources import SyntheticSource
from connectors.sources.base import Source
from connectors.spec import ImportSpec
from tests.connectors.test_pipeline import parquet_source

KEYS = Keys(pseudonym=b"p" * 32, surrogate=b"s" * 32)
ROWS = 300


def people(rows: int = ROWS, seed: int = 5) -> dict[str, list[Any]]:
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return {
        "name": [fake.name() for _ in range(rows)],
        "id_number": [fake.ssn() for _ in range(rows)],
        "mobile": [fake.phone_number() for _ in range(rows)],
        "ref": [f"R{i:05d}" for i in range(rows)],
        "amount": [i * 3 % 1000 for i in range(rows)],
    }


def plan_for(source: Source, **spec: Any) -> ImportPlan:
    return plan_import(source, ImportSpec.parse({"source": {"kind": "parquet"}, **spec}), k=2)


def run_all(source: Source, plan: ImportPlan) -> tuple[pa.Table, Any]:
    run = run_import(source, plan, KEYS, batch_rows=64)  # several batches
    return pa.Table.from_batches(list(run), schema=run.schema), run.report


def _no_values(message: str, data: dict[str, list[Any]]) -> None:
    for column in ("name", "id_number", "mobile"):
        assert not [v for v in data[column] if str(v) in message], column


class Leaky(Operator[NoParams]):
    """A broken operator: claims to mask, returns the raw values."""

    name: ClassVar[str] = "leaky_mask"
    params_model: ClassVar[type[OperatorParams]] = NoParams

    def apply(self, values: pa.Array) -> pa.Array:
        return values


@pytest.fixture
def leaky(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.OPERATORS, Leaky.name, Leaky)


@pytest.mark.parametrize(
    ("columns", "column", "entity"),
    [
        # the spec restates the ID column as plain to keep it: the recognizers find it
        ({"id_number": {"operator": "keep", "classification": "plain"}}, "id_number", "PRC_ID"),
        # an operator that returns what it was given: the raw values' hashes find it
        ({"mobile": {"operator": Leaky.name}}, "mobile", "PRC_MOBILE"),
        ({"name": {"operator": Leaky.name}}, "name", "PERSON"),
    ],
)
@pytest.mark.usefixtures("leaky")
def test_a_weakened_plan_fails_naming_column_and_entity_never_a_value(
    tmp_path: Path, columns: dict[str, Any], column: str, entity: str
) -> None:
    data = people()
    source = parquet_source(tmp_path, data)
    plan = plan_for(source, columns=columns)
    with pytest.raises(ResidualLeak) as failed:
        run_all(source, plan)
    message = str(failed.value)
    assert failed.value.column == column and f"column {column!r}" in message
    assert entity in message and "nothing was written" in message
    _no_values(message, data)


def test_a_plan_edited_to_keep_an_identifier_fails(tmp_path: Path) -> None:
    data = people()
    source = parquet_source(tmp_path, data)
    plan = plan_for(source)
    edited = tuple(
        dataclasses.replace(c, operator="keep", params={}) if c.column == "mobile" else c
        for c in plan.columns
    )
    with pytest.raises(ResidualLeak, match=r"PRC_MOBILE in \d+ values.*column 'mobile'"):
        run_all(source, dataclasses.replace(plan, columns=edited))


@pytest.mark.parametrize(
    ("copied", "entity"),
    [
        (lambda d: d["id_number"][-1], "PRC_ID_NUMBER"),  # whole cell
        (lambda d: f"R-{d['name'][-1]}", "PERSON"),  # inside a code, no label or title
        (lambda d: f"{d['mobile'][-1][:3]} {d['mobile'][-1][3:7]} {d['mobile'][-1][7:]}", "PRC"),
    ],
)
def test_a_raw_value_of_the_last_row_copied_into_the_first_row_of_another_column_is_found(
    tmp_path: Path, copied: Any, entity: str
) -> None:
    data = people()
    data["ref"][0] = copied(data)
    source = parquet_source(tmp_path, data)
    plan = plan_for(source)
    assert plan.column("ref").operator == "keep"
    with pytest.raises(ResidualLeak) as failed:
        run_all(source, plan)
    assert failed.value.column == "ref" and entity in str(failed.value)
    _no_values(str(failed.value), data)


@pytest.mark.parametrize(
    ("copied", "entity"),
    [
        (lambda d: d["id_number"][900], "PRC_ID_NUMBER"),
        (
            lambda d: "-".join((d["mobile"][900][:3], d["mobile"][900][3:7], d["mobile"][900][7:])),
            "PRC",
        ),
        (lambda d: f"REF{d['name'][900]}", "PERSON"),  # a name run into a code, no space
        (lambda d: f"ref {d['id_number'][900].lower()} ok", "PRC_ID_NUMBER"),
    ],
)
@pytest.mark.parametrize("native", [True, False])
def test_a_raw_value_of_row_900_copied_into_row_3_is_found_across_batches_and_merges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copied: Any, entity: str, native: bool
) -> None:
    """Sixteen batches and hash sets merged every few dozen hashes: a raw value seen long
    after the cell that holds it is still found, whole, in pieces or with separators; by the
    C helper's hashes and by DuckDB's, where the helper could not be built."""
    monkeypatch.setattr(hashes, "COMPACT_EVERY", 50)
    if not native:
        monkeypatch.setattr(hashes, "_native", None)
    data = people(1000)
    data["ref"][3] = copied(data)
    source = parquet_source(tmp_path, data)
    plan = plan_for(source)
    assert plan.column("ref").operator == "keep"
    with pytest.raises(ResidualLeak) as failed:
        run_all(source, plan)
    assert failed.value.column == "ref" and entity in str(failed.value)
    _no_values(str(failed.value), data)


def test_free_text_left_unclean_is_dropped_or_fails_as_the_spec_says(tmp_path: Path) -> None:
    data = people()
    data["remark"] = [f"客户来电，留下手机{m}，请回访。" for m in data["mobile"]]
    source = parquet_source(tmp_path, data)
    plan = plan_for(source)
    assert plan.column("remark").free_text and plan.column("remark").operator == "scrub"
    weakened = tuple(
        dataclasses.replace(c, operator="keep", params={}) if c.column == "remark" else c
        for c in plan.columns
    )
    with pytest.raises(FreeTextUnclean) as unclean:
        run_all(source, dataclasses.replace(plan, columns=weakened))
    assert list(unclean.value.columns) == ["remark"]
    assert "PRC_MOBILE" in unclean.value.columns["remark"]
    _no_values(str(unclean.value), data)
    # what the lab does next: the column dropped, saying why, and the import run again
    dropped = drop_columns(plan, unclean.value.columns)
    out, report = run_all(source, dropped)
    assert "remark" not in out.column_names
    assert report.free_text_dropped == [
        {"column": "remark", "reason": unclean.value.columns["remark"]}
    ]
    strict = dataclasses.replace(plan, columns=weakened, free_text="keep_scrubbed")
    with pytest.raises(ResidualLeak, match="column 'remark'"):
        run_all(source, strict)


def test_known_names_reach_the_scrubber_and_the_scan_finds_none_left(tmp_path: Path) -> None:
    data = people()
    data["remark"] = [
        f"{data['name'][(i * 7) % ROWS]}昨天来电询问贷款进度，已安排回访。" for i in range(ROWS)
    ]
    source = parquet_source(tmp_path, data)
    plan = plan_for(source)
    assert plan.column("remark").operator == "scrub"
    out, report = run_all(source, plan)
    texts = [t for t in out.column("remark").to_pylist() if t is not None]
    assert len(texts) == ROWS
    names = set(data["name"])
    assert not [t for t in texts if any(n in t for n in names)]
    [remark] = [c for c in report.columns if c.column == "remark"]
    assert remark.stats["replaced_PERSON"] >= ROWS and remark.residual.startswith("clean")


def test_a_clean_import_reports_every_written_column_clean_and_the_scan_time() -> None:
    source = SyntheticSource(rows=2000, seed=3)
    plan = plan_import(source, ImportSpec.parse({"source": {"kind": "synthetic"}}), k=5)
    out, report = run_all(source, plan)
    assert out.num_rows > 0
    for column in report.columns:
        assert column.kept and column.residual.startswith("clean"), column
    assert report.seconds["residual_scan"] > 0
    assert any("recognizers over" in c.residual for c in report.columns)
    assert any("raw values of 7 identifier columns" in c.residual for c in report.columns)


def test_a_fake_that_is_another_columns_real_name_is_not_a_leak(tmp_path: Path) -> None:
    """One column in, one column out: the name column's surrogate cannot know the contact
    column's names, and a fake that happens to be one of them tells nothing about it."""
    fake = Faker("zh_CN")
    fake.seed_instance(9)
    rows = 2000
    data: dict[str, list[Any]] = {
        "name": [fake.name() for _ in range(rows)],
        "contact": [fake.name() for _ in range(rows)],
        "amount": list(range(rows)),
    }
    source = parquet_source(tmp_path, data)
    plan = plan_for(source)
    assert {plan.column(c).operator for c in ("name", "contact")} == {"surrogate"}
    out, report = run_all(source, plan)
    assert set(out.column("name").to_pylist()) & set(data["contact"])  # it does happen
    assert not set(out.column("name").to_pylist()) & set(data["name"])
    assert all(c.residual.startswith("clean") for c in report.columns)


def test_an_address_already_at_city_level_is_its_own_generalization(tmp_path: Path) -> None:
    fake = Faker("zh_CN")
    fake.seed_instance(13)
    data: dict[str, list[Any]] = {
        "address": [fake.address().split(" ")[0] for _ in range(ROWS)],
        "amount": list(range(ROWS)),
    }
    data["address"][::50] = ["上海市"] * len(data["address"][::50])
    source = parquet_source(tmp_path, data)
    plan = plan_for(source)
    assert (plan.column("address").entity, plan.column("address").operator) == (
        "LOCATION",
        "generalize",
    )
    out, report = run_all(source, plan)
    assert "上海市" in out.column("address").to_pylist()
    [address] = [c for c in report.columns if c.column == "address"]
    assert address.residual.startswith("clean (recognizers"), address
