"""The layout of a CSV file (delimiter, header) read from its head, and the slow, exact
diagnosis that names the row and column of a problem once the fast reader has failed.

Rows are records, numbered from 1, the header (when there is one) being row 1; a quoted
field with line breaks inside keeps its record on one row number.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connectors.errors import SourceError

CANDIDATE_DELIMITERS = (",", "\t", ";", "|")
SNIFF_CHARS = 1 << 20
SNIFF_RECORDS = 500
UNDECODABLE = re.compile("[\udc80-\udcff]")
_DATA_LIKE = re.compile(
    r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}(?:[ T].*)?"
)


@contextmanager
def field_limit(chars: int) -> Iterator[None]:
    """Let Python's csv module read fields of up to `chars` characters for a while."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, chars))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def head_records(text: str, delimiter: str, whole: bool) -> list[list[str]]:
    """The complete records of the head `text` (the last one is dropped when it may be cut)."""
    reader = csv.reader(io.StringIO(text[:SNIFF_CHARS]), delimiter=delimiter, quotechar='"')
    records: list[list[str]] = []
    with field_limit(SNIFF_CHARS + 1):
        try:
            for record in reader:
                records.append(record)
                if len(records) > SNIFF_RECORDS:
                    break
        except csv.Error:
            pass  # a cut quoted field at the end of the head
    if (not whole or len(text) > SNIFF_CHARS) and records:
        records.pop()
    return [r for r in records if r]  # csv yields [] for blank lines, which readers skip


def sniff_delimiter(text: str, whole: bool) -> str:
    """The candidate that splits the head's records into the most consistent number (at
    least 2) of fields; "," when none splits (a one-column file)."""
    best: tuple[float, int, int] | None = None
    chosen = ","
    for order, delimiter in enumerate(CANDIDATE_DELIMITERS):
        counts = [len(r) for r in head_records(text, delimiter, whole)]
        if not counts:
            continue
        width, hits = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (hits / len(counts), width, -order)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


def looks_like_header(first: list[str]) -> bool:
    """A first record is a header unless one of its fields looks like data: a number or a
    date. (Empty or repeated names are then reported as errors, not guessed around.)"""
    return not any(_DATA_LIKE.fullmatch(field.strip()) for field in first)


def check_header(names: list[str]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name.strip():
            raise SourceError(
                f"the header has an empty column name at position {position}; name every "
                "column, or pass header=false if the first row is data",
                row=1,
            )
        if name in seen:
            raise SourceError(
                "the header names a column twice; column names must be unique, or pass "
                "header=false if the first row is data",
                row=1,
                column=name,
            )
        seen.add(name)


def _field_bytes(field: str) -> int:
    return len(field.encode("utf-8", "surrogateescape"))


def diagnose(
    path: Path,
    *,
    encoding: str,
    delimiter: str,
    names: list[str],
    header: bool,
    max_field_bytes: int,
) -> SourceError | None:
    """Re-read the file with Python's csv module and describe the first problem: bytes not
    valid in `encoding`, a row with the wrong number of fields, or a field over the limit.
    None when no such problem shows up."""
    row = 0
    try:
        with (
            path.open(encoding=encoding, errors="surrogateescape", newline="") as text,
            field_limit(max_field_bytes + 1),
        ):
            reader = csv.reader(text, delimiter=delimiter, quotechar='"')
            for record in reader:
                if not record:
                    continue
                row += 1
                problem = _record_problem(record, row, encoding, names, header, max_field_bytes)
                if problem is not None:
                    return problem
    except csv.Error:
        return SourceError(
            f"a field is larger than the limit of {max_field_bytes} bytes "
            "(max_field_bytes) or a quote is not closed",
            row=row + 1,
        )
    except OSError as exc:
        return SourceError(f"cannot read {path.name!r}: {exc.strerror}")
    return None


def _record_problem(
    record: list[str],
    row: int,
    encoding: str,
    names: list[str],
    header: bool,
    max_field_bytes: int,
) -> SourceError | None:
    def column(i: int) -> str:
        return names[i] if i < len(names) else f"column_{i + 1}"

    for i, field in enumerate(record):
        if UNDECODABLE.search(field):
            return SourceError(
                f"the field has bytes that are not valid {encoding}; give the file's real encoding "
                "(for example encoding='gb18030' or 'utf-8') or fix the row",
                row=row,
                column=column(i),
            )
    if header and row == 1:
        return None
    if len(record) != len(names):
        return SourceError(
            f"expected {len(names)} fields but found {len(record)}; check the delimiter "
            "and the quoting of that row",
            row=row,
        )
    for i, field in enumerate(record):
        if len(field) * 4 > max_field_bytes and _field_bytes(field) > max_field_bytes:
            return SourceError(
                f"a field is larger than the limit of {max_field_bytes} bytes (max_field_bytes)",
                row=row,
                column=column(i),
            )
    return None


def without_values(message: str) -> str:
    """A reader's message without the row text or value it may quote."""
    message = re.sub(r"(got \d+): .*$", r"\1", message, flags=re.DOTALL)
    return re.sub(r": '.*'$", "", message, flags=re.DOTALL)
