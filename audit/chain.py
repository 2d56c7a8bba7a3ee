"""Walking the hash chain in seq order, and naming in plain words what broke first.

Kept apart from `audit.verify` (which gathers rows and checkpoints and builds the report)
so the per-row loop is all in one place: it is the hot path of verification and the
part an auditor most needs to read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from audit.canonical import GENESIS_HASH, hash_row


class Problem(NamedTuple):
    """The first sequence number that can no longer be trusted, and why, in a sentence."""

    seq: int
    sentence: str


class Anchor(NamedTuple):
    """A checkpoint's claim "the event at this seq has this hash"; `what` names its source."""

    hash: str
    what: str


@dataclass
class Walk:
    """How far the walk got; `stopped_early` when it reached `stop_at` without a problem."""

    checked: int = 0
    anchored: int = 0
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    problem: Problem | None = None
    stopped_early: bool = False


def walk(
    batches: Iterable[Sequence[Sequence[Any]]],
    anchors: dict[int, list[Anchor]],
    stop_at: int | None,
) -> Walk:
    """Check rows (in `audit.canonical.EVENT_ROW` order, then `hash`) until the first
    problem, or until seq passes `stop_at` (a problem already known there). Per row: the
    seq is the next one, the stored hash is the hash of the columns, the row links to the
    previous hash, and every checkpoint at this seq names this hash."""
    w = Walk()
    expected, prev, prev2 = 1, GENESIS_HASH, ""
    last_anchor = 0
    for rows in batches:
        for row in rows:
            seq = row[0]
            if stop_at is not None and seq > stop_at:
                w.stopped_early = True
                return w
            if seq != expected:
                w.problem = _gap(expected, seq)
                return w
            try:
                computed = hash_row(row)
            except (TypeError, ValueError):  # includes UnicodeEncodeError
                computed = ""
            stored = row[12]
            if computed != stored:
                w.problem = _altered(row, prev, prev2)
                return w
            if row[11] != prev:
                w.problem = _broken_link(seq, row[11] == prev2)
                return w
            marked = anchors.get(seq)
            if marked is not None:
                for anchor in marked:
                    if anchor.hash != stored:
                        w.problem = _rewritten(last_anchor + 1, seq, anchor.what)
                        return w
                w.anchored += len(marked)
                last_anchor = seq
            prev2, prev = prev, stored
            expected += 1
            w.checked += 1
            w.last_seq, w.last_hash = seq, stored
    return w


def _gap(expected: int, seq: int) -> Problem:
    if seq < expected:
        return Problem(
            seq,
            f"Event {seq} should not exist: the log starts at event 1, so this record was "
            "added outside the log.",
        )
    missing = (
        f"Event {expected} is" if seq == expected + 1 else f"Events {expected} to {seq - 1} are"
    )
    if expected == 1:
        return Problem(1, f"{missing} missing: the log starts at event {seq}.")
    return Problem(
        expected, f"{missing} missing: the log jumps from event {expected - 1} to event {seq}."
    )


def _altered(row: Sequence[Any], prev: str, prev2: str) -> Problem:
    seq = row[0]
    for other in (seq + 1, seq - 1):
        try:
            renumbered = hash_row((other, *row[1:12])) == row[12]
        except (TypeError, ValueError):
            renumbered = False
        if not renumbered:
            continue
        if other == seq - 1 and row[12] == prev:
            return Problem(
                seq,
                f"Event {seq} is a duplicate of event {seq - 1}, added after the fact; the "
                "events after it were renumbered to make room.",
            )
        if other == seq - 1 and row[11] == prev2:
            return Problem(
                seq - 1,
                f"Event {seq - 1} was inserted into the log after the fact: the event now "
                f"numbered {seq} was originally {seq - 1} and links to event {seq - 2}; the "
                "events after the insertion were renumbered to hide it.",
            )
        if other == seq + 1:
            return Problem(
                seq,
                f"Event {seq} is not the event originally recorded under that number (it "
                f"is the original event {seq + 1}): an event was deleted here and later "
                "events renumbered, or events were reordered.",
            )
        return Problem(
            seq,
            f"Event {seq} is not the event originally recorded under that number (it is "
            f"the original event {seq - 1}): events were inserted or reordered here.",
        )
    return Problem(
        seq,
        f"Event {seq} was altered after it was recorded: its contents no longer match "
        "its fingerprint (hash). It may also have been swapped with another event.",
    )


def _broken_link(seq: int, skips_one: bool) -> Problem:
    if seq == 1:
        return Problem(
            1,
            "Event 1 does not start the chain: it links to an earlier event that does not "
            "exist, so it was replaced or the start of the log was removed.",
        )
    if skips_one:
        return Problem(
            seq - 1,
            f"Event {seq - 1} was inserted into the log after the fact: event {seq} is "
            f"chained directly to event {seq - 2}.",
        )
    return Problem(
        seq - 1,
        f"The chain is broken between events {seq - 1} and {seq}: event {seq - 1} was "
        f"replaced (with a recomputed fingerprint) after event {seq} was recorded.",
    )


def _rewritten(first: int, seq: int, what: str) -> Problem:
    span = f"Event {seq} was" if first == seq else f"One or more of events {first} to {seq} were"
    return Problem(
        first,
        f"{span} rewritten after being signed: event {seq} no longer matches the {what}, "
        "although the chain still links up (its fingerprints were recomputed).",
    )
