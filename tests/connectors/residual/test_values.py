"""The recognizers' scan of output values finds the same values whether a column repeats or
hardly does (a column that proves nearly all distinct is tested before it is made
distinct)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from connectors.residual.values import ValueScan, distinct_text
from tests.connectors.pii._make import prc_id

FOUND = ["13812345678", "zhang.wei@example.com", prc_id("110105", "19491231", "002")]


def batches() -> list[pa.Array]:
    """Codes that never repeat, then the same with PII among them, and a null."""
    codes = [[f"M{b:02d}{i:07d}" for i in range(2000)] for b in range(4)]
    codes[2][100:100] = FOUND
    codes[3][7:7] = [*FOUND, None, FOUND[0]]
    return [pa.array(batch, pa.string()) for batch in codes]


@pytest.mark.parametrize("free_text", [False, True])
def test_a_column_that_hardly_repeats_is_scanned_as_one_that_does(
    free_text: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    switching = ValueScan(free_text=free_text)
    for values in batches():
        switching.update(values)
    monkeypatch.setattr(ValueScan, "MOSTLY_DISTINCT", 2.0)  # never counts as distinct
    steady = ValueScan(free_text=free_text)
    for values in batches():
        steady.update(values)
    assert switching.found == steady.found and switching.scanned == steady.scanned
    assert switching.found  # the PII among the codes is found
    for values in batches():
        assert distinct_text(values, free_text=free_text, repeats=False) == distinct_text(
            values, free_text=free_text
        )
