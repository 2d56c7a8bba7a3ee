"""DuckDB's errors, as messages fit for a job's report.

An error message is a way out of the zone that does not pass the disclosure gate: DuckDB
quotes data values in some of them ("Could not convert string 'Zhang San' to INT32",
"Overflow in multiplication of INT64 (9223372036854775807 * 2)") and prints others on lines
of their own. So a message keeps its first line, with the quoted text and numbers that the
submitter did not write (in the query, or as a table or column name) replaced by <redacted>;
then only the query's own context lines (`LINE 1: ...` and the caret under it) and hints that
name known things. The original error stays chained as __cause__, for logs inside the zone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection

import duckdb

from jobs.errors import EngineRefused, JobError, LimitExceeded

MAX_MESSAGE_CHARS = 600
_QUOTED = re.compile(r"'((?:[^']|'')*)'|\"([^\"]*)\"")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-+]?\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?(?![A-Za-z0-9_])")
_LINE = re.compile(r"^LINE \d+: ")
_CARET = re.compile(r"^\s*\^+\s*$")
_HINTS = ("Did you mean", "Candidate bindings")


def map_error(
    exc: duckdb.Error,
    *,
    query: str,
    known_names: Collection[str],
    timed_out: bool,
    wall_seconds: float,
    memory_mb: int,
    spill_mb: int,
) -> JobError:
    """The library error for a DuckDB error raised while the job's query ran."""
    if timed_out or isinstance(exc, duckdb.InterruptException):
        return LimitExceeded(f"the query ran longer than {wall_seconds:g} s and was stopped")
    text = str(exc)
    if "max_temp_directory_size" in text:
        return LimitExceeded(
            f"the query needed more than the {spill_mb} MB of spill space it may use"
        )
    if isinstance(exc, duckdb.OutOfMemoryException):
        return LimitExceeded(f"the query needed more than the {memory_mb} MB of memory it may use")
    shown = redact(text, query=query, known_names=known_names)
    if isinstance(exc, duckdb.PermissionException):
        return EngineRefused(f"the engine refused the query: {shown}")
    return EngineRefused(f"the query failed: {shown}")


def redact(message: str, *, query: str, known_names: Collection[str]) -> str:
    """`message` cut down to what the submitter already knows (see the module's doc)."""
    query_text = query.lower()
    known = {name.lower() for name in known_names}

    def known_text(text: str) -> bool:
        low = text.lower()
        if low in known:
            return True
        whole = r"(?<![a-z0-9_])" + re.escape(low) + r"(?![a-z0-9_])"
        return bool(low.strip()) and re.search(whole, query_text) is not None

    def inner(match: re.Match[str]) -> str:
        return match.group(1) if match.group(1) is not None else match.group(2)

    def quoted(match: re.Match[str]) -> str:
        mark = match.group(0)[0]
        return match.group(0) if known_text(inner(match)) else f"{mark}<redacted>{mark}"

    def number(match: re.Match[str]) -> str:
        text = match.group(0)
        return text if len(text.lstrip("+-")) < 2 or known_text(text) else "<redacted>"

    raw = message.strip().splitlines() or [""]
    lines = [_NUMBER.sub(number, _QUOTED.sub(quoted, raw[0]))]
    for before, line in itertools.pairwise(raw):
        if _LINE.match(line) or (_CARET.match(line) and _LINE.match(before)):
            lines.append(line)  # the query's own text, pointed at
        elif line.startswith(_HINTS) and all(known_text(inner(m)) for m in _QUOTED.finditer(line)):
            lines.append(line)
    shown = "\n".join(lines)
    if len(shown) > MAX_MESSAGE_CHARS:
        shown = shown[: MAX_MESSAGE_CHARS - 1] + "…"
    return shown
