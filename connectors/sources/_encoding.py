"""Text encoding of a file: given, or detected from its head.

Detection: a byte-order mark decides (UTF-8, UTF-16); otherwise the head (4 MiB) is tried as
strict UTF-8, then as GB18030 (a superset of GBK and GB2312). A head that is neither is an
error that says so and asks for the encoding.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from connectors.errors import SourceError, SpecError

HEAD_BYTES = 4 << 20

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Encoding:
    name: str  # Python codec name: "utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", ...
    detected: bool  # True when found by detection, False when given

    @property
    def is_utf8(self) -> bool:
        return self.name in ("utf-8", "utf-8-sig")

    @property
    def arrow_name(self) -> str:
        """The name pyarrow's readers take: "utf8" reads natively (skipping a BOM); any other
        name is transcoded through Python's codec."""
        return "utf8" if self.is_utf8 else self.name


def normalize(name: str) -> str:
    """A codec name in canonical form ("UTF8" -> "utf-8", "GBK" -> "gbk")."""
    if not isinstance(name, str) or not name:
        raise SpecError(f"encoding must be 'auto' or a codec name, not {name!r}")
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise SpecError(
            f"unknown encoding {name!r}; use 'auto', 'utf-8', 'gbk' or 'gb18030'"
        ) from None
    return "utf-8" if canonical == "utf-8" else canonical


def read_head(path: Path, size: int = HEAD_BYTES) -> tuple[bytes, bool]:
    """The first `size` bytes, and whether they are the whole file."""
    try:
        with path.open("rb") as f:
            head = f.read(size + 1)
    except FileNotFoundError:
        raise SourceError(f"file {path.name!r} not found") from None
    except OSError as exc:
        raise SourceError(f"cannot read {path.name!r}: {exc.strerror}") from None
    return head[:size], len(head) <= size


def first_bad_byte(data: bytes, encoding: str, whole: bool) -> int | None:
    """Offset of the first byte that does not decode strictly, or None. When `whole` is
    False, an incomplete sequence cut at the end of `data` is not an error."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        decoder.decode(data, final=whole)
    except UnicodeDecodeError as exc:
        return exc.start
    return None


def resolve(path: Path, given: str) -> Encoding:
    """The encoding to read `path` with: `given`, or detected when `given` is "auto"."""
    if given != "auto":
        name = normalize(given)
        if name == "utf-8":
            head, _ = read_head(path, 3)
            if head.startswith(codecs.BOM_UTF8):
                name = "utf-8-sig"
        return Encoding(name, detected=False)
    head, whole = read_head(path)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return Encoding(name, detected=True)
    bad_utf8 = first_bad_byte(head, "utf-8", whole)
    if bad_utf8 is None:
        return Encoding("utf-8", detected=True)
    bad_gb = first_bad_byte(head, "gb18030", whole)
    if bad_gb is None:
        return Encoding("gb18030", detected=True)
    raise SourceError(
        f"cannot tell the encoding of {path.name!r}: it is not UTF-8 (byte {bad_utf8}) nor "
        f"GB18030/GBK (byte {bad_gb}); give the encoding explicitly"
    )


def decode_head(head: bytes, encoding: Encoding, whole: bool) -> str:
    """The head as text, without a BOM, dropping an incomplete sequence at its end; an
    undecodable byte becomes a lone surrogate (U+DC80-U+DCFF) that callers can spot."""
    decoder = codecs.getincrementaldecoder(encoding.name)("surrogateescape")
    text: str = decoder.decode(head, final=whole)
    return text.removeprefix("\ufeff")
