"""Operators for amounts: round_significant, top_bottom_code, noise."""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa
import pytest

from connectors.errors import SpecError
from connectors.operators import OperatorContext, build_operator, get_operator, parse_params
from tests.connectors.operators.conftest import KEY, OTHER_KEY, run


@pytest.mark.parametrize(
    ("digits", "values", "expected"),
    [
        (2, [12345.67, 12399.0, 12451.0], [12000.0, 12000.0, 12000.0]),
        (3, [12345.67, 0.012345, -987.6], [12300.0, 0.0123, -988.0]),
        (1, [0.0, 149.0, 151.0, -0.04], [0.0, 100.0, 200.0, -0.04]),
        (2, [None, 1.0, float("inf")], [None, 1.0, float("inf")]),
        (2, [0.1 + 0.2], [0.3]),  # the float nearest the decimal, not 0.30000000000000004
        (15, [1234.5678], [1234.5678]),
    ],
)
def test_round_significant(digits: int, values: list[Any], expected: list[Any]) -> None:
    assert run("round_significant", values, {"digits": digits}) == expected


@pytest.mark.parametrize(
    ("dtype", "values", "expected", "out_type"),
    [
        (pa.int64(), [12345, None, 7], [12000, None, 7], pa.int64()),
        (pa.int32(), [-155, 5], [-160, 5], pa.int32()),
        (pa.decimal128(10, 2), [1234, 5], [1200.0, 5.0], pa.float64()),
        (pa.float32(), [1234.0], [1200.0], pa.float64()),
    ],
)
def test_round_significant_types(
    dtype: pa.DataType, values: list[Any], expected: list[Any], out_type: pa.DataType
) -> None:
    op = build_operator("round_significant", {"digits": 2})
    out = op.apply(pa.array(values, dtype))
    assert out.to_pylist() == expected and out.type == out_type == op.output_type(dtype)
    assert op.stats["cells_rounded"] == sum(
        1 for v, e in zip(values, expected, strict=True) if v is not None and float(v) != e
    )


def test_round_significant_nan_stays_and_levels_climb_to_one_digit() -> None:
    [nan] = run("round_significant", [float("nan")])
    assert math.isnan(nan)
    op = build_operator("round_significant", {"digits": 3})
    levels = []
    params = op.coarser()
    while params is not None:
        levels.append(params.model_dump())
        params = build_operator("round_significant", params).coarser()
    assert levels == [{"digits": 2}, {"digits": 1}]


@pytest.mark.parametrize(
    ("params", "dtype", "values", "expected", "top", "bottom"),
    [
        ({"upper": 100}, pa.float64(), [5.0, 100.0, 101.0, None], [5.0, 100.0, 100.0, None], 1, 0),
        ({"lower": 0}, pa.float64(), [-3.5, 0.0, 2.0], [0.0, 0.0, 2.0], 0, 1),
        ({"lower": 2, "upper": 9.5}, pa.int64(), [1, 5, 10, None], [2, 5, 9, None], 1, 1),
        ({"lower": 1.5, "upper": 3}, pa.int64(), [0, 3], [2, 3], 0, 1),  # rounded inwards
        ({"upper": 2**62}, pa.int64(), [2**62 + 1, 2**53 + 1], [2**62, 2**53 + 1], 1, 0),
        ({"upper": 10}, pa.float64(), [1.0, 2.0], [1.0, 2.0], 0, 0),
    ],
)
def test_top_bottom_code(
    params: dict[str, Any],
    dtype: pa.DataType,
    values: list[Any],
    expected: list[Any],
    top: int,
    bottom: int,
) -> None:
    op = build_operator("top_bottom_code", params)
    out = op.apply(pa.array(values, dtype))
    assert out.to_pylist() == expected and out.type == op.output_type(dtype)
    assert op.stats.get("cells_top_coded", 0) == top
    assert op.stats.get("cells_bottom_coded", 0) == bottom


@pytest.mark.parametrize(
    ("operator", "params", "problem"),
    [
        ("top_bottom_code", {}, "give lower, upper or both"),
        ("top_bottom_code", {"lower": 5, "upper": 5}, "lower must be below upper"),
        ("top_bottom_code", {"upper": "inf"}, "finite"),
        ("top_bottom_code", {"upper": 1, "quantile": 0.99}, "quantile: unknown parameter"),
        ("round_significant", {"digits": 0}, "params.digits"),
        ("round_significant", {"digits": 16}, "params.digits"),
        ("noise", {}, "params.scale"),
        ("noise", {"scale": 0}, "params.scale"),
        ("noise", {"scale": 0.1, "mode": "gaussian"}, "params.mode"),
        ("noise", {"scale": 0.1, "seed": 7}, "seed: unknown parameter"),
    ],
)
def test_bad_amount_params_name_the_field(
    operator: str, params: dict[str, Any], problem: str
) -> None:
    with pytest.raises(SpecError, match=problem):
        parse_params(operator, params)


@pytest.mark.parametrize("operator", ["round_significant", "top_bottom_code", "noise"])
@pytest.mark.parametrize("dtype", [pa.string(), pa.date32(), pa.bool_()])
def test_amount_operators_need_numbers(operator: str, dtype: pa.DataType) -> None:
    params = {"upper": 1} if operator == "top_bottom_code" else {"scale": 1}
    params = {} if operator == "round_significant" else params
    assert get_operator(operator).check_type(dtype, parse_params(operator, params))
    assert get_operator(operator).check_type(pa.float64(), parse_params(operator, params)) is None


@pytest.mark.parametrize(
    ("params", "dtype", "values", "bound"),
    [
        ({"scale": 0.05}, pa.float64(), [100.0, 2500.0, -40.0, 0.0], lambda v: abs(v) * 0.05),
        ({"scale": 3, "mode": "additive"}, pa.float64(), [100.0, 0.0, -7.5], lambda v: 3.0),
        ({"scale": 10, "mode": "additive"}, pa.int64(), [100, 5000, 0], lambda v: 10.5),
    ],
)
def test_noise_stays_within_its_bound(
    params: dict[str, Any], dtype: pa.DataType, values: list[Any], bound: Any
) -> None:
    out = build_operator("noise", params, OperatorContext(pseudonym_key=KEY)).apply(
        pa.array(values * 50, dtype)
    )
    assert out.type == (pa.int64() if pa.types.is_integer(dtype) else pa.float64())
    for value, noisy in zip(values * 50, out.to_pylist(), strict=True):
        assert abs(noisy - value) <= bound(value)


def test_noise_is_the_same_for_the_same_value_and_differs_by_key() -> None:
    values = [1000.0 + i for i in range(200)]
    first = run("noise", values, {"scale": 0.1})
    again = run("noise", list(reversed(values)), {"scale": 0.1})
    assert first == list(reversed(again))  # the same value gets the same noise, in any order
    assert run("noise", [1000.0, None, 1000.0], {"scale": 0.1}) == [first[0], None, first[0]]
    other = run("noise", values, {"scale": 0.1}, pseudonym_key=OTHER_KEY)
    assert sum(a != b for a, b in zip(first, other, strict=True)) > 190
    assert sum(v != n for v, n in zip(values, first, strict=True)) > 190  # noise was added
    moved = [(n - v) / v for v, n in zip(values, first, strict=True)]
    assert min(moved) < -0.05 and max(moved) > 0.05  # spread over the whole band


def test_noise_cannot_be_averaged_away_over_repeated_values() -> None:
    """The obvious attack on per-cell noise: one merchant's 500 rows with the same sales."""
    noisy = run("noise", [1234.0] * 500, {"scale": 0.2})
    assert len(set(noisy)) == 1 and noisy[0] != 1234.0


def test_noise_needs_the_tenants_key() -> None:
    with pytest.raises(ValueError, match="pseudonym key"):
        build_operator("noise", {"scale": 0.1})
    digests = {
        tuple(run("noise", [5.0, 6.0], {"scale": 0.5}, pseudonym_key=k)) for k in (KEY, OTHER_KEY)
    }
    assert len(digests) == 2
