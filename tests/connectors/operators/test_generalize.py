from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pyarrow as pa
import pytest

from connectors.errors import SpecError
from connectors.operators import (
    OperatorContext,
    _address,
    build_operator,
    get_operator,
    parse_params,
)
from connectors.operators.hierarchy import chain_to, hierarchy, level_outputs
from tests.connectors.operators.conftest import run

D = dt.date


@pytest.mark.parametrize(
    ("params", "values", "expected"),
    [
        ({"level": "month"}, [D(2023, 5, 17), None, D(1999, 12, 1)], ["2023-05", None, "1999-12"]),
        ({"level": "year"}, [D(2023, 5, 17)], ["2023"]),
        ({"level": "decade"}, [dt.datetime(1987, 1, 2, 3, 4)], ["1980s"]),
        (
            {"level": "month"},
            ["2023-05-17", "2023/5/1", "2023年11月2日", "20230517", "not a date", None],
            ["2023-05", "2023-05", "2023-11", "2023-05", None, None],
        ),
        (
            {"band": 10},
            [35, 39, 40, 0, None, 99.5],
            ["30-39", "30-39", "40-49", "0-9", None, "90-99"],
        ),
        ({"band": 20}, [35, 19], ["20-39", "0-19"]),
        ({"width": 1000}, [1500.5, -1, None], ["[1000, 2000)", "[-1000, 0)", None]),
        ({"width": 0.5}, [1.2], ["[1, 1.5)"]),
        (
            {"bins": [0, 100, 1000]},
            [-5, 0, 99, 100, 5000, None, float("nan")],
            ["<0", "[0, 100)", "[0, 100)", "[100, 1000)", ">=1000", None, None],
        ),
        (
            {"level": "city"},
            [
                "浙江省杭州市西湖区文三路1号",
                "北京市朝阳区建国路88号",
                "广东广州市天河区",
                "内蒙古自治区锡林郭勒盟锡林浩特市",
                "新疆维吾尔自治区阿克苏地区",
                "吉林省延边朝鲜族自治州延吉市",
                "江苏省苏州市姑苏区",
                "上海浦东新区",
                "杭州市西湖区",
                "Springfield, IL",
                None,
            ],
            [
                "浙江省杭州市",
                "北京市",
                "广东省广州市",
                "内蒙古自治区锡林郭勒盟",
                "新疆维吾尔自治区阿克苏地区",
                "吉林省延边朝鲜族自治州",
                "江苏省苏州市",
                "上海市",
                "杭州市",
                None,
                None,
            ],
        ),
        (
            {"level": "province"},
            ["浙江省杭州市西湖区", "重庆市渝中区", "广西壮族自治区南宁市", "杭州市西湖区", None],
            ["浙江省", "重庆市", "广西壮族自治区", None, None],
        ),
    ],
)
def test_generalize(params: dict[str, Any], values: list[Any], expected: list[Any]) -> None:
    assert run("generalize", values, params) == expected


ADDRESS_PIECES = [
    *"省市县区州盟地江苏浙杭北京上海内蒙古自治区壮族回维吾尔特别行政黑龙锡林郭勒延边朝鲜族1a",
    *(" ", "\t", "\n", "州市", "地区", "自治州", "市辖区"),
    *_address.PROVINCES,
    *_address.PROVINCES.values(),
]


@pytest.mark.parametrize("head", [_address.HEAD_CHARS, 3, 5, 12])
def test_city_level_read_from_heads_is_the_whole_values(
    head: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A head decides a value's city only when what follows cannot change it: on values
    made of the pieces addresses are read by, ending anywhere around the head's end, each
    repeated (so heads repeat and are read), the city level is the one of whole values."""
    monkeypatch.setattr(_address, "HEAD_CHARS", head)
    rng = random.Random(head)
    made = [
        "".join(rng.choice(ADDRESS_PIECES) for _ in range(rng.randint(0, 2 * head)))
        for _ in range(3000)
    ]
    real = ["黑龙江省哈尔滨市道里区", "吉林省延边朝鲜族自治州延吉市", "北京市朝阳区建国路88号"]
    values = pa.array([*made, *real, None] * 3, pa.string())
    assert _address.city_level(values) == _address._whole_city_level(values)


@pytest.mark.parametrize(
    ("params", "coarser"),
    [
        ({"level": "month"}, {"level": "year"}),
        ({"level": "year"}, {"level": "decade"}),
        ({"level": "decade"}, None),
        ({"level": "city"}, {"level": "province"}),
        ({"level": "province"}, None),
        ({"band": 10}, {"band": 20}),
        ({"band": 40}, None),
        ({"width": 5}, {"width": 10}),
        ({"bins": [0, 10, 20, 30]}, {"bins": [0, 20, 30]}),
        ({"bins": [0, 10, 20]}, {"bins": [0, 20]}),
        ({"bins": [0, 10]}, {"bins": [0]}),
        ({"bins": [0]}, None),
    ],
)
def test_hierarchy(params: dict[str, Any], coarser: dict[str, Any] | None) -> None:
    got = build_operator("generalize", params).coarser()
    expected = None if coarser is None else parse_params("generalize", coarser)
    assert got == expected


@pytest.mark.parametrize(
    ("params", "values"),
    [
        ({"level": "month"}, ["2023-05-17", "1999-01-02", None]),
        ({"level": "city"}, ["浙江省杭州市西湖区", "北京市朝阳区", "杭州市上城区", None]),
    ],
)
def test_coarser_level_on_output_equals_on_raw(params: dict[str, Any], values: list[Any]) -> None:
    """Levels that nest: the coarser one computed from this level's output is the same."""
    finer = build_operator("generalize", params)
    coarser = build_operator("generalize", finer.coarser() or {})
    assert finer.nests_on_output()
    raw = pa.array(values)
    assert coarser.apply(finer.apply(raw)) == coarser.apply(raw)


@pytest.mark.parametrize(
    "params",
    [{}, {"level": "month", "band": 10}, {"bins": [3, 1]}, {"band": 0}, {"level": "week"}],
)
def test_bad_params(params: dict[str, Any]) -> None:
    with pytest.raises(SpecError, match="params"):
        parse_params("generalize", params)


@pytest.mark.parametrize(
    ("params", "dtype", "ok"),
    [
        ({"level": "month"}, pa.date32(), True),
        ({"level": "month"}, pa.string(), True),
        ({"level": "month"}, pa.int64(), False),
        ({"level": "city"}, pa.string(), True),
        ({"level": "city"}, pa.float64(), False),
        ({"band": 10}, pa.int32(), True),
        ({"band": 10}, pa.string(), False),
    ],
)
def test_check_type(params: dict[str, Any], dtype: pa.DataType, ok: bool) -> None:
    problem = get_operator("generalize").check_type(dtype, parse_params("generalize", params))
    assert (problem is None) == ok


def test_counts_values_not_generalized() -> None:
    op = build_operator("generalize", {"level": "year"}, OperatorContext())
    op.apply(pa.array(["2020-01-01", "garbage", None]))
    assert op.stats == {"cells_not_generalized": 1}


def test_chain_to_recomputes_a_level_as_counted() -> None:
    levels = hierarchy(
        build_operator("generalize", {"level": "month"}),
        lambda params: build_operator("generalize", params),
        max_levels=5,
    )
    assert [op.label() for op in levels] == [
        "generalize(level=month)",
        "generalize(level=year)",
        "generalize(level=decade)",
    ]
    raw = pa.array(["2023-05-17", "1987", None, "1999/12/31"])
    counted = level_outputs(raw, levels)
    for level, expected in enumerate(counted):
        out = raw
        for operator in chain_to(levels, level):
            out = operator.apply(out)
        assert out == expected
    assert counted[1].to_pylist() == ["2023", None, None, "1999"]  # "1987" has no month
