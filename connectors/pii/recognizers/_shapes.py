"""Pieces of patterns shared by the recognizers.

Python's `\\b` and `\\w` count Chinese characters as word characters, so `\\b` never fires
between 号 and a digit. Our patterns use ASCII-only look-arounds instead.
"""

from __future__ import annotations

NOT_AFTER_ALNUM = r"(?<![0-9A-Za-z])"
NOT_BEFORE_ALNUM = r"(?![0-9A-Za-z])"
NOT_AFTER_DIGIT = r"(?<![0-9])"
NOT_BEFORE_DIGIT = r"(?![0-9])"
CJK = "\u4e00-\u9fff"


def digits_only(text: str) -> str:
    """The text without the separators people type inside numbers (space, dash)."""
    return text.replace(" ", "").replace("-", "").replace("\u00a0", "")
