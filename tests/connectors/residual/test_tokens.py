"""What the residual scan compares: canonical raw forms and the pieces of output text."""

from __future__ import annotations

import pyarrow as pa
import pytest

from connectors.residual.tokens import canonical, pieces, raw_forms, windows


@pytest.mark.parametrize(
    ("raw", "forms"),
    [
        ("13812345678", {"13812345678"}),
        (" 138 1234 5678 ", {"138 1234 5678", "13812345678"}),
        ("6222-0212-3456-7890", {"6222-0212-3456-7890", "6222021234567890"}),
        ("11010519491231002X", {"11010519491231002x"}),
        ("Zhang.Wei@Example.com", {"zhang.wei@example.com"}),
        ("张军", {"张军"}),
        ("王", set()),  # one character: never looked for
    ],
)
def test_raw_forms(raw: str, forms: set[str]) -> None:
    assert set(raw_forms(pa.array([raw, None])).to_pylist()) == forms


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("请致电138 1234 5678联系", {"13812345678"}),
        ("身份证110105194912310,已核实", {"110105194912310"}),
        ("mail zhang.wei@example.com.", {"zhang.wei@example.com"}),
        ("编号11010519491231002X。", {"11010519491231002x"}),
        ("客户张军，地址北京市朝阳区", {"客户张军", "地址北京市朝阳区"}),
    ],
)
def test_pieces_hold_what_a_raw_value_could_be(cell: str, expected: set[str]) -> None:
    assert expected <= set(pieces(canonical(pa.array([cell]))).to_pylist())


@pytest.mark.parametrize(
    ("cell", "expected", "absent"),
    [
        ("客户张军来电", {"张军", "客户张军", "张军来电"}, {"客户张军来"}),
        ("met john smith today", {"john smith", "met john smith"}, {"john"}),
        ("12345 abc", set(), {"12345 abc"}),
    ],
)
def test_windows(cell: str, expected: set[str], absent: set[str]) -> None:
    found = set(windows(cell))
    assert expected <= found and not absent & found
