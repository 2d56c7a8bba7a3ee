"""A job's output: captured with a cap (the head and the tail survive), secrets redacted.

A job that prints a gigabyte costs a gigabyte of reading, not of memory or disk: the first
half of the budget keeps the beginning, a sliding window keeps the end (where the traceback
is), and a marker says how much was dropped in between. Lines cut by the caps are dropped
whole, so a secret straddling a cut cannot survive in part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[REDACTED]"
_EDGE = r"(?<![A-Za-z0-9+/_-])"
_END = r"(?![A-Za-z0-9+/=_-])"
# the lab's bearer tokens: lab_<id>_<secret>
_TOKEN = re.compile(r"\blab_[A-Za-z0-9]{4,64}_[A-Za-z0-9_-]{16,}")
# 32-byte keys in base64 (standard with padding, URL-safe with or without)
_KEY32 = re.compile(_EDGE + r"(?:[A-Za-z0-9+/]{43}=|[A-Za-z0-9_-]{43}=?)" + _END)
_MIN_REDACT_CHARS = 4


class LogCapture:
    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 0)
        self.head_limit = self.limit // 2
        self.tail_limit = self.limit - self.head_limit
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk and self.tail_limit:
            self.tail += chunk[-self.tail_limit :]
            excess = len(self.tail) - self.tail_limit
            if excess > 0:
                del self.tail[:excess]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + len(self.tail)

    def text(self) -> str:
        if not self.truncated:
            return (self.head + self.tail).decode("utf-8", errors="replace")
        head, tail = bytes(self.head), bytes(self.tail)
        cut = head.rfind(b"\n")
        head = head[: cut + 1] if cut >= 0 else b""
        cut = tail.find(b"\n")
        tail = tail[cut + 1 :] if cut >= 0 else b""
        dropped = self.total - len(head) - len(tail)
        marker = (
            f"\n[... {dropped} bytes of output dropped: the log keeps {self.limit} bytes ...]\n"
        )
        return (
            head.decode("utf-8", errors="replace") + marker + tail.decode("utf-8", errors="replace")
        )


def _looks_random(match: re.Match[str]) -> str:
    value = match.group(0)
    mixed = (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )
    return REDACTED if mixed else value


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secrets, lab tokens and 32-byte base64 keys replaced."""
    for secret in sorted({s for s in secrets if len(s) >= _MIN_REDACT_CHARS}, key=len)[::-1]:
        text = text.replace(secret, REDACTED)
    text = _TOKEN.sub(REDACTED, text)
    return _KEY32.sub(_looks_random, text)
