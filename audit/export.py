"""Exports for reviewers: JSON lines (faithful, re-verifiable) and CSV (for spreadsheets).

JSONL keeps every field exactly as stored (`time` as the stored text, `details` as an
object whose canonical form is the stored text), so a full export read back with
`read_jsonl` can be checked with `audit.verify.verify_events` away from the database.

CSV is for reading. Texts that a spreadsheet would run as a formula (starting with
`=`, `+`, `-`, `@`, tab or carriage return) are prefixed with an apostrophe, as OWASP
advises, because actors and resources can echo what users typed. Use JSONL to re-verify.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from audit.canonical import EVENT_ROW, canonical_json
from audit.event import Event

CSV_COLUMNS = (*EVENT_ROW, "hash")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_jsonl(events: Iterable[Event], fp: TextIO) -> int:
    """Write one JSON object per line; return how many events were written."""
    count = 0
    for event in events:
        fp.write(json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":")))
        fp.write("\n")
        count += 1
    return count


def read_jsonl(fp: TextIO) -> Iterator[Event]:
    """Read events written by `write_jsonl` (blank lines are skipped)."""
    for number, line in enumerate(fp, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number} is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ValueError(f"line {number} is not a JSON object")
        yield Event.from_dict(data)


def write_csv(events: Iterable[Event], fp: TextIO, *, header: bool = True) -> int:
    """Write a header (unless `header` is false, for later pages of one export) and one row
    per event (details as canonical JSON); return the count.

    Open `fp` with `newline=""`, as the csv module requires.
    """
    writer = csv.writer(fp)
    if header:
        writer.writerow(CSV_COLUMNS)
    count = 0
    for event in events:
        record = event.to_dict()
        record["details"] = canonical_json(event.details)
        writer.writerow([_cell(record[name]) for name in CSV_COLUMNS])
        count += 1
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
