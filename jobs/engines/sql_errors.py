"""DuckDB's errors, as messages fit for a job's report.

An error message is a way out of the zone that does not pass the disclosure gate: DuckDB
quotes data values in some of them, quoted ("Could not convert string 'Zhang San' to INT32")
or not at all ("missing ): Zhang San(" from a regular expression built from a column, a
dozen names at once over `string_agg`). Redacting what looks like a value cannot be made
complete, so what a message may say depends on when the error was raised:

- while the query is parsed and bound (`BIND`), before any row is read: the message can only
  speak of the query and the inputs' schema. Its first line is kept, with the quoted text
  and numbers that the submitter did not write (in the query, or as a table or column name)
  replaced by <redacted>, then hints that name known things.
- while it runs (`RUN`): anything computed from the data may be in the message. Only the
  error's class and a fixed description of that class (`RUN_ERRORS`) are kept.

Either way the position DuckDB points at (`LINE n: ...` and the caret under it) is kept
when the quoted line is the submitter's own query text. The original error stays chained as
__cause__, for logs inside the zone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from typing import Literal

import duckdb

from jobs.errors import EngineRefused, JobError, LimitExceeded

Phase = Literal["bind", "run"]
BIND: Phase = "bind"
RUN: Phase = "run"
MAX_MESSAGE_CHARS = 600
_QUOTED = re.compile(r"'((?:[^']|'')*)'|\"([^\"]*)\"")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-+]?\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?(?![A-Za-z0-9_])")
_LINE = re.compile(r"^LINE (\d+): (.*)$")
_CARET = re.compile(r"^\s*\^+\s*$")
_HINTS = ("Did you mean", "Candidate bindings")
_ELLIPSIS = "..."

# What an error raised while the query ran means, by DuckDB's name for its class. Written
# here, never taken from the message: the message may hold values of the data.
RUN_ERRORS: dict[str, str] = {
    "Conversion Error": (
        "a value could not be converted to the type the query asks for "
        "(TRY_CAST gives NULL instead)"
    ),
    "Out of Range Error": (
        "a value or a result is out of range for its type (an overflow, or an offset, "
        "index or size too large)"
    ),
    "Invalid Input Error": (
        "a function was given a value it cannot use (for example a malformed pattern, date "
        "or JSON text, a division by zero, or several rows from a scalar subquery; "
        "TRY(...) gives NULL instead)"
    ),
    "Binder Error": (
        "a value computed while the query ran cannot be used where it stands (for example "
        "a LIMIT or OFFSET out of range)"
    ),
    "Type Mismatch Error": (
        "a value computed while the query ran has a type that does not fit where it is used"
    ),
    "Not implemented Error": "the engine cannot do what the query asks with the values it met",
    "INTERNAL Error": "the engine failed inside",
}
_CLASSES: dict[type[Exception], str] = {
    duckdb.ConversionException: "Conversion Error",
    duckdb.OutOfRangeException: "Out of Range Error",
    duckdb.InvalidInputException: "Invalid Input Error",
    duckdb.BinderException: "Binder Error",
    duckdb.TypeMismatchException: "Type Mismatch Error",
    duckdb.NotImplementedException: "Not implemented Error",
    duckdb.InternalException: "INTERNAL Error",
}
_UNKNOWN_RUN_ERROR = "the query failed on the values it met"


def map_error(
    exc: Exception,
    *,
    phase: Phase,
    query: str,
    known_names: Collection[str],
    timed_out: bool,
    wall_seconds: float,
    memory_mb: int,
    spill_mb: int,
) -> JobError:
    """The library error for a DuckDB (or Arrow) error raised while the job's query was
    bound (`BIND`) or ran (`RUN`)."""
    if timed_out or isinstance(exc, duckdb.InterruptException):
        return LimitExceeded(f"the query ran longer than {wall_seconds:g} s and was stopped")
    text = str(exc)
    if "max_temp_directory_size" in text:
        return LimitExceeded(
            f"the query needed more than the {spill_mb} MB of spill space it may use"
        )
    if isinstance(exc, duckdb.OutOfMemoryException) or text.startswith("Out of Memory Error:"):
        return LimitExceeded(f"the query needed more than the {memory_mb} MB of memory it may use")
    if phase == RUN:
        return EngineRefused(f"the query failed while it ran: {describe_run_error(exc, query)}")
    shown = redact(text, query=query, known_names=known_names)
    if isinstance(exc, duckdb.PermissionException):
        return EngineRefused(f"the engine refused the query: {shown}")
    return EngineRefused(f"the query failed: {shown}")


def error_class(exc: Exception) -> str:
    """DuckDB's name for the error's class ("Conversion Error"), from its type; an error
    that reached Arrow's reader (an OSError) is known by the name its text starts with,
    matched against the catalogue, never copied."""
    for kind, name in _CLASSES.items():
        if isinstance(exc, kind):
            return name
    if isinstance(exc, duckdb.Error):
        words = re.findall(r"[A-Z][a-z]+|[A-Z]+(?![a-z])", type(exc).__name__)
        return " ".join([w for w in words if w != "Exception"] + ["Error"])
    text = str(exc)
    return next((name for name in RUN_ERRORS if text.startswith(f"{name}:")), "Error")


def describe_run_error(exc: Exception, query: str) -> str:
    """The class, a fixed description, and the position in the query: never the message."""
    name = error_class(exc)
    lines = [f"{name}: {RUN_ERRORS.get(name, _UNKNOWN_RUN_ERROR)}", *_position(str(exc), query)]
    return _cap("\n".join(lines))


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
    lines += [
        line
        for line in raw[1:]
        if line.startswith(_HINTS) and all(known_text(inner(m)) for m in _QUOTED.finditer(line))
    ]
    lines += _position(message, query)
    return _cap("\n".join(lines))


def _position(message: str, query: str) -> list[str]:
    """DuckDB's `LINE n: <excerpt>` and the caret under it, when the excerpt is the query's
    own line n (DuckDB may quote a rewritten query, or a list of the inputs' columns)."""
    query_lines = query.splitlines()
    for before, after in itertools.pairwise(message.strip().splitlines()):
        match = _LINE.match(before)
        if match is None or not _CARET.match(after):
            continue
        number, excerpt = int(match.group(1)), match.group(2)
        core = excerpt.removeprefix(_ELLIPSIS).removesuffix(_ELLIPSIS)
        if 1 <= number <= len(query_lines) and core.strip() and core in query_lines[number - 1]:
            return [before, after]
        return []
    return []


def _cap(shown: str) -> str:
    return shown if len(shown) <= MAX_MESSAGE_CHARS else shown[: MAX_MESSAGE_CHARS - 1] + "…"
