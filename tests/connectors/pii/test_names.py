"""Personal names in free text: Chinese (surname rules + segmentation) and Latin-script
(capitals, titles, roles); what is sure, what is only a doubt, what is no name at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from presidio_analyzer import AnalyzerEngine

from connectors.pii import classify_column, scrub_texts
from connectors.pii.fastscan import scan_text
from connectors.pii.recognizers import en_name, zh_name_segmented

SURE = 0.4

# (text, names found with a sure score, names found only as a doubt)
CHINESE: list[tuple[str, list[str], list[str]]] = [
    # a role right before the name, no separator needed
    ("客户张军电话13812345678，已回访", ["张军"], []),
    ("法人代表李建国表示下月还款", ["李建国"], []),
    ("法定代表人：王芳", ["王芳"], []),
    ("借款人李红梅已还清", ["李红梅"], []),
    ("担保人陈静不同意", ["陈静"], []),
    ("收款人赵敏，开户行建设银行", ["赵敏"], []),
    ("经办人 周杰核实", ["周杰"], []),
    ("股东孙丽持股", ["孙丽"], []),
    ("老板罗桂兰称订单减少", ["罗桂兰"], []),
    ("联系人欧阳娜娜", ["欧阳娜娜"], []),
    ("客户王瑞电话未接通", ["王瑞"], []),  # jieba reads "客户王/瑞": the role is glued
    ("经理张军说会还款", ["张军"], []),  # jieba glues 说 to the name: the name ends before
    ("客户：张 军，已回访", ["张 军"], []),  # a blank inside the name does not hide it
    ("（联系人：王芳）", ["王芳"], []),
    # a title right after the surname (or the full name)
    ("王先生来电要求延期", ["王"], []),
    ("请转告王总", ["王"], []),
    ("与周经理沟通", ["周"], []),
    ("刘芳女士已提交材料", ["刘芳"], []),
    # no context: the segmentation finds the name
    ("王丽说资金周转困难", ["王丽"], []),
    ("已与黄晓明确认还款计划", ["黄晓明"], []),
    ("由孙丽华代签", ["孙丽华"], []),
    ("张婷婷和李林一起来办理", ["张婷婷", "李林"], []),
    ("鞠志强和罗萍一起来办理", ["鞠志强", "罗萍"], []),
    ("李强的配偶在外地工作", ["李强"], []),
    # doubts: a name that is also a word in the dictionary, standing alone
    ("经办：，王明，已核实", [], ["王明"]),
    # no names
    ("客户高兴地说经营正常", [], []),
    ("客户满意，无投诉", [], []),
    ("项目经理已到场", [], []),
    ("黄金总量未变", [], []),
    ("资金总额三百万", [], []),
    ("资金周转困难", [], []),
    ("高新区王府井张江金融李宁牌", [], []),
    ("用电高峰期间停产", [], []),
    ("应收账款高达500万元", [], []),
    ("宁可延期也不违约", [], []),
    ("与戴硕电子科技有限公司签订合同", [], []),
    ("杭州市西湖区文三路478号", [], []),
    ("经营农家乐和民宿", [], []),
    ("Contact John Smith", [], []),  # not Chinese
]

LATIN: list[tuple[str, list[str], list[str]]] = [
    ("Contact John Smith about the loan", ["John Smith"], []),
    ("Mr. Smith called twice", ["Smith"], []),
    ("Mrs Mary Jones-Parker visited", ["Mary Jones-Parker"], []),
    ("Dr Jane Doe. Smith called", ["Jane Doe"], []),
    ("signed by Jane Doe.", ["Jane Doe"], []),
    ("Attn: Mary Jones, finance", ["Mary Jones"], []),
    ("Legal representative: Zhang Wei", ["Zhang Wei"], []),
    ("customer John F. Kennedy paid", ["John F. Kennedy"], []),
    ("Payee Patrick O'Brien", ["Patrick O'Brien"], []),
    ("联系人John Smith", ["John Smith"], []),
    ("Contact JOHN SMITH", ["JOHN SMITH"], []),  # capitals after a role
    ("Mr.Smith called", ["Smith"], []),
    # bare pairs: a doubt when they look like a name, nothing otherwise
    ("John Smith called", [], ["John Smith"]),
    ("Zhang Wei paid in cash", [], ["Zhang Wei"]),
    ("The Credit Committee approved", [], []),
    ("Please contact Customer Service", [], []),
    ("Hong Kong branch", [], []),
    ("Signed by the Board of Directors", [], []),
    ("Attention: Accounts Payable", [], []),
    ("ALL CAPS TEXT HERE", [], []),
    ("JOHN SMITH called", [], []),  # capitals alone are no name shape
    ("NEW ACCOUNT OPENED", [], []),
]


def _split(finds: list[tuple[int, int, float, str]], text: str) -> tuple[list[str], list[str]]:
    sure = [text[a:b] for a, b, score, _ in finds if score >= SURE]
    doubt = [text[a:b] for a, b, score, _ in finds if score < SURE]
    return sure, doubt


@pytest.mark.parametrize(("text", "sure", "doubt"), CHINESE, ids=[c[0] for c in CHINESE])
def test_chinese_names(text: str, sure: list[str], doubt: list[str]) -> None:
    assert _split(zh_name_segmented.find(text), text) == (sure, doubt)


@pytest.mark.parametrize(("text", "sure", "doubt"), LATIN, ids=[c[0] for c in LATIN])
def test_latin_names(text: str, sure: list[str], doubt: list[str]) -> None:
    assert _split(en_name.find(text), text) == (sure, doubt)


@pytest.mark.parametrize(
    ("text", "scrubbed", "unsure"),
    [
        ("客户张军电话13812345678，已回访", "客户<PERSON>电话<PRC_MOBILE>，已回访", 0),
        ("法人代表李建国表示下月还款", "法人代表<PERSON>表示下月还款", 0),
        ("王丽说资金周转困难", "<PERSON>说资金周转困难", 0),
        ("Contact John Smith about the loan", "Contact <PERSON> about the loan", 0),
        # a bare pair is left in place, and the cell counted as a doubt
        ("John Smith called", "John Smith called", 1),
        ("王府井商圈客流下降", "王府井商圈客流下降", 0),
    ],
)
def test_the_scrubber_replaces_sure_names(
    analyzer: AnalyzerEngine, text: str, scrubbed: str, unsure: int
) -> None:
    result = scrub_texts([text], analyzer=analyzer)
    assert (result.values.to_pylist(), result.unsure_cells) == ([scrubbed], unsure)


def test_a_role_far_from_a_doubtful_name_makes_it_sure(analyzer: AnalyzerEngine) -> None:
    # the analyzer's context window: 联系人 a few characters before 王明
    result = scrub_texts(["联系人：经理，王明，"], analyzer=analyzer)
    assert result.values.to_pylist() == ["联系人：经理，<PERSON>，"]


def test_the_segmenter_loads_quietly_and_writes_no_cache(tmp_path: Path) -> None:
    """jieba would print "Building prefix dict…" and write /tmp/jieba.cache; ours does neither."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    code = (
        "from connectors.pii.recognizers import zh_name_segmented as z\n"
        "print(z.find('王丽说资金周转困难'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"TMPDIR": str(temp), "PYTHONPATH": str(Path(__file__).parents[3])},
    )
    assert done.stdout.strip() == "[(0, 2, 0.5, 'word found by segmentation')]"
    assert done.stderr == ""
    assert list(temp.iterdir()) == []


def test_the_cheap_scan_keeps_to_rules_and_the_thorough_one_segments() -> None:
    text = "王丽说资金周转困难"
    assert scan_text(text, min_score=SURE) == []
    assert [(f.entity, text[f.start : f.end]) for f in scan_text(text, thorough=True)] == [
        ("PERSON", "王丽")
    ]


def test_a_remarks_column_naming_people_without_context_is_an_identifier() -> None:
    remarks = pa.array(["王丽说资金周转困难", "已与黄晓明确认还款计划", "经营正常，按时还款"] * 4)
    finding = classify_column("备注", remarks)
    assert (finding.free_text, finding.classification) == (True, "identifier")
    assert "PERSON" in finding.evidence
