from __future__ import annotations

import pyarrow as pa

from connectors.operators import build_operator

TEXTS = [
    "请联系13812345678办理",  # a mobile inside a sentence
    None,
    "一切正常",
    "一切正常",
    "账户 6222021234567890123 有问题",  # a long digit run no validator accepts: unsure
]


def test_scrub_replaces_and_withholds_unsure_cells() -> None:
    op = build_operator("scrub", {})
    out = op.apply(pa.array(TEXTS)).to_pylist()
    assert out[1] is None
    assert out[2] == out[3] == "一切正常"
    assert "13812345678" not in (out[0] or "")
    assert out[0] is None or "<PRC_MOBILE>" in out[0]
    assert op.stats["cells"] == 4
    assert all(value is None or "6222021234567890123" not in value for value in out)
    assert op.stats.get("withheld_cells", 0) == op.stats.get("unsure_cells", 0)


def test_keep_unsure_cells_when_asked() -> None:
    op = build_operator("scrub", {"on_unsure": "keep"})
    out = op.apply(pa.array(TEXTS)).to_pylist()
    assert "withheld_cells" not in op.stats
    assert sum(v is None for v in out) == 1
