"""Email addresses: Presidio's EmailRecognizer with an ASCII pattern and an offline check.

The stock pattern uses `\\w`, which matches Chinese characters, so "邮箱zhang@example.com"
came out whole. Ours allows ASCII only on both sides of the @. The domain must end in a
public suffix from tldextract's bundled snapshot; no suffix list is ever fetched.
"""

from __future__ import annotations

import re
from functools import lru_cache

import tldextract
from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from connectors.pii.entities import EMAIL_ADDRESS

ENTITY = EMAIL_ADDRESS
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
REGEX = (
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9_%+-][A-Za-z0-9._%+-]{0,63}@"
    + _LABEL
    + r"(?:\."
    + _LABEL
    + r")+(?![A-Za-z0-9-])"
)
PATTERN = re.compile(REGEX)
_CONTEXT = ["邮箱", "邮件", "电邮", "email", "e-mail", "mail"]


@lru_cache(maxsize=1)
def offline_extractor() -> tldextract.TLDExtract:
    """A tldextract that uses its bundled suffix snapshot only: no network, no cache files."""
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)


def is_valid(text: str) -> bool:
    """True if the domain of the address ends in a known public suffix."""
    _, _, domain = text.strip().rpartition("@")
    return bool(domain) and offline_extractor()(domain).fqdn != ""


def matches(value: str) -> bool:
    """True if the whole value is an email address with a known public suffix."""
    return PATTERN.fullmatch(value) is not None and is_valid(value)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer with an ASCII-only pattern and no network access."""

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            patterns=[Pattern("email (ASCII)", REGEX, 0.5)],
            context=_CONTEXT,
            supported_language=supported_language,
            name="OfflineEmailRecognizer",
        )

    def validate_result(self, pattern_text: str) -> bool:
        return is_valid(pattern_text)
