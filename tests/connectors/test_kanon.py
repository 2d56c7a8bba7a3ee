"""k-anonymity: streaming class counts, generalization, suppression and refusal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest

from connectors.errors import PrivacyError
from connectors.kanon import (
    ClassCounter,
    KAnonymityError,
    KPolicy,
    QuasiIdentifier,
    Suppressor,
    anonymize,
    count_classes,
)
from connectors.operators import Operator, OperatorContext, build_operator


def hierarchy(params: dict[str, Any]) -> list[Operator[Any]]:
    levels = [build_operator("generalize", params)]
    while (coarser := levels[-1].coarser()) is not None:
        levels.append(build_operator("generalize", coarser))
    return levels


def counted(
    table: pa.Table, hierarchies: dict[str, list[Operator[Any]]], batch_rows: int = 7
) -> tuple[ClassCounter, list[QuasiIdentifier]]:
    counter = ClassCounter([len(h) for h in hierarchies.values()])
    for batch in table.to_batches(max_chunksize=batch_rows):
        counter.update(
            [[op.apply(batch.column(c)) for op in ops] for c, ops in hierarchies.items()]
        )
    qis = [QuasiIdentifier(c, tuple(op.label() for op in ops)) for c, ops in hierarchies.items()]
    return counter, qis


def births(days: list[int]) -> pa.Array:
    return pa.array([dt.date(1980, 1, 1) + dt.timedelta(days=d) for d in days])


def test_streaming_counts_equal_one_shot_counts() -> None:
    table = pa.table(
        {
            "city": ["杭州", "杭州", None, "宁波", "杭州", None, "宁波"] * 9,
            "age": [30, 31, 30, None, 30, 40, 41] * 9,
        }
    )
    streamed = ClassCounter([1, 1])
    for batch in table.to_batches(max_chunksize=5):
        streamed.update([[batch.column("city")], [batch.column("age")]])
    assert streamed.counts == count_classes(table, ["city", "age"])
    assert streamed.rows == table.num_rows == sum(streamed.counts.values())


def test_projection_to_coarser_levels_is_exact() -> None:
    table = pa.table({"born": births(list(range(0, 3000, 7)))})
    h = {"born": hierarchy({"level": "month"})}
    counter, _ = counted(table, h)
    year = pa.table({"born": h["born"][1].apply(table.column("born").combine_chunks())})
    assert counter.classes([1]) == count_classes(year, ["born"])


def test_generalization_reaches_k() -> None:
    """Months are too fine (some months hold fewer than k rows), years are enough."""
    days = [d for d in range(0, 730, 9)]  # about 3-4 births per month, 40 a year
    table = pa.table({"born": births(days)})
    counter, qis = counted(table, {"born": hierarchy({"level": "month"})})
    decision = anonymize(counter, qis, KPolicy(k=5))
    report = decision.report
    assert decision.levels == (1,)
    assert report.generalization_steps == [
        "born: generalize(level=month) -> generalize(level=year)"
    ]
    assert report.rows_suppressed == 0 and report.achieved
    assert report.smallest_class >= 5 and report.classes == 2


def test_greedy_coarsens_the_quasi_identifier_that_helps() -> None:
    """Ages are fine in 10-year bands; the dates must go to years."""
    n = 120
    table = pa.table(
        {"born": births([(i * 37) % 700 for i in range(n)]), "age": [30 + i % 10 for i in range(n)]}
    )
    h = {"born": hierarchy({"level": "month"}), "age": hierarchy({"band": 10})}
    counter, qis = counted(table, h)
    decision = anonymize(counter, qis, KPolicy(k=5))
    assert decision.levels == (1, 0)
    assert decision.report.levels == {
        "born": "generalize(level=year)",
        "age": "generalize(band=10)",
    }


def outlier_table() -> pa.Table:
    # 99 rows in one city, 1 in another: no generalization of "plain" helps
    return pa.table({"city": ["杭州市"] * 99 + ["拉萨市"]})


def test_suppression_when_generalization_cannot_help() -> None:
    counter, qis = counted(outlier_table(), {"city": [build_operator("keep", {})]})
    decision = anonymize(counter, qis, KPolicy(k=5))
    assert decision.suppressed == frozenset({("拉萨市",)})
    assert decision.report.rows_suppressed == 1
    assert decision.report.classes_suppressed == 1
    assert decision.report.smallest_class == 99


def test_strategy_suppress_skips_generalization() -> None:
    table = pa.table({"born": births(list(range(0, 730, 9)))})
    counter, qis = counted(table, {"born": hierarchy({"level": "month"})})
    decision = anonymize(counter, qis, KPolicy(k=5, strategy="suppress", max_suppressed_share=1))
    assert decision.levels == (0,)
    assert decision.report.generalization_steps == []
    assert decision.report.rows_suppressed > 0


def test_refused_when_too_much_would_be_suppressed() -> None:
    table = pa.table({"id": [f"u{i}" for i in range(50)] + ["same"] * 50})
    counter, qis = counted(table, {"id": [build_operator("keep", {})]})
    with pytest.raises(KAnonymityError) as caught:
        anonymize(counter, qis, KPolicy(k=5, max_suppressed_share=0.05))
    error = caught.value
    assert isinstance(error, PrivacyError)
    assert "50 of 100 rows (50.0%)" in str(error)
    assert len(error.groups) == 20  # listed groups capped at 20
    assert all(n == 1 for _, n in error.groups)
    assert "u1" not in error.summary  # the summary holds counts only
    assert not error.report.achieved


def test_strategy_refuse() -> None:
    counter, qis = counted(outlier_table(), {"city": [build_operator("keep", {})]})
    with pytest.raises(KAnonymityError, match="refuse") as caught:
        anonymize(counter, qis, KPolicy(k=5, strategy="refuse"))
    assert caught.value.groups == [({"city": "拉萨市"}, 1)]


def test_suppressor_matches_suppressed_classes_with_nulls() -> None:
    suppressed = frozenset({("a", None), (None, 2)})
    columns = [pa.array(["a", "a", None, None, "b", "a"]), pa.array([None, 1, 2, None, 2, None])]
    keep = Suppressor(suppressed).keep_mask(columns)
    assert keep is not None
    assert keep.to_pylist() == [False, True, False, True, True, False]
    assert Suppressor(frozenset()).keep_mask(columns) is None


def test_remap_for_operators_needing_counts() -> None:
    table = pa.table({"zip": ["310000"] * 6 + ["850000"]})
    counter = ClassCounter([1])
    counter.update([[table.column("zip").combine_chunks()]])
    counts: dict[Any, int] = {"310000": 6, "850000": 1}
    rare = build_operator("suppress_rare", {}, OperatorContext(k=5, counts=counts))
    counter.remap(0, rare.apply, pa.string())
    assert counter.counts == {("310000",): 6, (None,): 1}


def test_nan_is_one_class_with_null_and_is_found_again() -> None:
    values = pa.array([1.5, float("nan"), None, float("nan"), 1.5, 1.5])
    counter = ClassCounter([1])
    counter.update([[values]])
    assert counter.counts == {(1.5,): 3, (None,): 3}
    decision = anonymize(
        counter, [QuasiIdentifier("x", ("keep()",))], KPolicy(k=4, max_suppressed_share=1)
    )
    keep = Suppressor(decision.suppressed).keep_mask([values])
    assert keep is not None and keep.to_pylist() == [False] * 6
