"""keep, drop, suppress_rare."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from connectors.operators import OperatorContext, build_operator, get_operator, parse_params
from connectors.operators.suppress_rare import count_values
from tests.connectors.operators.conftest import run


@pytest.mark.parametrize("values", [[1, None, 3], ["a", None], [None]])
def test_keep(values: list[Any]) -> None:
    assert run("keep", values) == values


def test_drop_declares_the_column_gone() -> None:
    assert get_operator("drop").drops_column
    assert run("drop", ["secret", None]) == [None, None]


def counts_of(values: list[Any]) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for part in (values[: len(values) // 2], values[len(values) // 2 :]):  # over two batches
        count_values(pa.array(part, type=pa.array(values).type), counts)
    return counts


@pytest.mark.parametrize(
    ("params", "k", "values", "expected"),
    [
        ({}, 2, ["a", "a", "b", None], ["a", "a", None, None]),
        ({"min_count": 3}, 2, ["a", "a", "a", "b", "b"], ["a", "a", "a", None, None]),
        ({"replacement": "other"}, 2, ["x", "y", "y"], ["other", "y", "y"]),
        ({}, 3, [1, 1, 1, 2, 2], [1, 1, 1, None, None]),
        ({}, 2, ["a", "a"], ["a", "a"]),
    ],
)
def test_suppress_rare(
    params: dict[str, Any], k: int, values: list[Any], expected: list[Any]
) -> None:
    context = OperatorContext(k=k, counts=counts_of(values))
    op = build_operator("suppress_rare", params, context)
    assert op.apply(pa.array(values)).to_pylist() == expected
    assert op.stats.get("suppressed_cells", 0) == sum(
        1 for v, e in zip(values, expected, strict=True) if v is not None and v != e
    )


def test_count_values_streams() -> None:
    counts: dict[Any, int] = {}
    count_values(pa.array(["a", "b", None]), counts)
    count_values(pa.array(["a"]), counts)
    assert counts == {"a": 2, "b": 1}


def test_suppress_rare_observes_the_column_first() -> None:
    op = build_operator("suppress_rare", {}, OperatorContext(k=3))
    assert op.observes
    op.observe(pa.array(["a", "b", None]))
    op.observe(pa.array(["a", "a", "b"]))
    assert op.apply(pa.array(["a", "b", "c", None])).to_pylist() == ["a", None, None, None]
    with pytest.raises(RuntimeError, match="before applying"):
        op.observe(pa.array(["b"]))


def test_suppress_rare_replacement_needs_text() -> None:
    params = parse_params("suppress_rare", {"replacement": "other"})
    assert get_operator("suppress_rare").check_type(pa.int64(), params)
    assert get_operator("suppress_rare").check_type(pa.string(), params) is None
