from __future__ import annotations

import pyarrow as pa

from connectors.operators import OperatorContext, build_operator
from connectors.pii.known_names import KnownNames

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


REMARKS = ["廉洁说资金周转困难", "客户张军电话13812345678", None, "廉洁说资金周转困难", "经营正常"]


def test_names_known_from_the_import_are_replaced() -> None:
    known = KnownNames(pa.array(["廉洁", "张军", None]))
    op = build_operator("scrub", {}, OperatorContext(known_names=known))
    out = op.apply(pa.array(REMARKS)).to_pylist()
    assert out == [
        "<PERSON>说资金周转困难",
        "客户<PERSON>电话<PRC_MOBILE>",
        None,
        "<PERSON>说资金周转困难",
        "经营正常",
    ]
    assert op.stats["replaced_PERSON"] == 3
    assert op.stats["cells"] == 4


def test_without_known_names_the_rules_alone_decide() -> None:
    op = build_operator("scrub", {})
    out = op.apply(pa.array(REMARKS)).to_pylist()
    assert out[0] == "廉洁说资金周转困难"  # an ordinary word: the rules cannot tell
    assert out[1] == "客户<PERSON>电话<PRC_MOBILE>"


def test_known_names_stay_out_of_the_context_repr() -> None:
    context = OperatorContext(known_names=KnownNames(["廉洁"]))
    assert "廉洁" not in repr(context)
    assert context == OperatorContext()  # the names do not make contexts differ
