from __future__ import annotations

from typing import Any

import pytest

from tests.connectors.operators.conftest import run


@pytest.mark.parametrize(
    ("params", "values", "expected"),
    [
        ({}, ["13812345678"], ["*******5678"]),
        ({}, ["6222021234567890123"], ["***************0123"]),
        ({"keep_last": 2}, ["张三丰先生"], ["***先生"]),
        ({}, ["1234", "123", ""], ["****", "***", ""]),  # never shows a whole value
        ({"keep_last": 0}, ["abc"], ["***"]),
        ({"char": "#", "keep_last": 1}, ["abcd"], ["###d"]),
        ({}, [None, "12345"], [None, "*2345"]),
        ({}, [13812345678, None], ["*******5678", None]),  # numbers masked as text
    ],
)
def test_mask(params: dict[str, Any], values: list[Any], expected: list[Any]) -> None:
    assert run("mask", values, params) == expected
