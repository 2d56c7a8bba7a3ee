"""The import's own names found in text: table-driven."""

from __future__ import annotations

import pytest

from connectors.pii.known_names import KnownNames

NAMES = KnownNames(["张军", "欧阳明月", "John Smith", "Li", None, "王", "  李娜 "])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("张军来电", ["张军"]),
        ("客户张军说欧阳明月已还款", ["张军", "欧阳明月"]),
        ("李娜，张军。", ["李娜", "张军"]),
        ("met john smith today", ["john smith"]),
        ("Smith alone", []),  # a part of a known Latin name is not the name
        ("Li called", []),  # two-letter Latin names are too common to look for
        ("王先生", []),  # one character is not a name to look for
        ("张三来电", []),
        ("", []),
    ],
)
def test_find(text: str, found: list[str]) -> None:
    assert [text[a:b] for a, b in NAMES.find(text)] == found


def test_overlapping_names_keep_the_longest() -> None:
    names = KnownNames(["欧阳明", "欧阳明月", "明月"])
    text = "欧阳明月来了"
    assert [text[a:b] for a, b in names.find(text)] == ["欧阳明月"]
    assert len(names) == 3
