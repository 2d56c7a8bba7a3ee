"""Verification: is the stored trail exactly what was recorded?

Threat model: someone with write access to the database (an administrator, a stolen
backup restored with changes) edits, deletes, inserts, reorders or cuts off events. The
walk (`audit.chain`) recomputes every hash from the stored columns and follows the chain
from event 1, so any such edit shows at the first event it touches:

- an edited column changes that event's hash: the event is named;
- a deleted event leaves a gap in `seq`, or, if later events were renumbered to hide the
  gap, their hashes (which cover `seq`) no longer match;
- an inserted event breaks the link of the event after it; if later events were
  renumbered, the first of them still links to the event before the insertion;
- a rewrite that recomputes all later hashes keeps the chain consistent, but no longer
  matches the signed checkpoints after it: the report names the first event after the
  last checkpoint that still matches;
- cutting off the tail leaves a signed checkpoint pointing past the last event.

Checkpoints stored in the database can be deleted by the same attacker, so pass
checkpoints exported earlier as `trusted` to make truncation and rewrites behind them
detectable regardless. Events after the newest checkpoint are protected by the chain
only: frequent checkpoints (`checkpoint_seconds`) keep that window short.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.engine import Connection

from audit.canonical import GENESIS_HASH, format_time, parse_time
from audit.chain import Anchor, Problem, walk
from audit.checkpoint import Checkpoint, key_id_of
from audit.event import Event
from audit.schema import EVENT_COLUMNS, checkpoints_table, events_table


@dataclass(frozen=True)
class VerifyReport:
    """The outcome. `problem` is a sentence for the reviewer; `first_bad_seq` is the first
    event (sequence number) that can no longer be trusted. `last_seq`/`last_hash` are the
    last event verified, worth writing down to compare with a later run."""

    ok: bool
    events_checked: int
    checkpoints_checked: int
    first_bad_seq: int | None
    problem: str | None
    signatures_checked: bool = False
    last_seq: int = 0
    last_hash: str = GENESIS_HASH

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify(
    conn: Connection,
    public_key: Ed25519PublicKey | None,
    *,
    trusted: Sequence[Checkpoint] = (),
    batch: int = 10_000,
    retired_keys: Sequence[Ed25519PublicKey] = (),
) -> VerifyReport:
    """Walk the whole stored log in seq order, `batch` rows at a time, inside `conn`'s
    transaction. With `public_key` (plus `retired_keys` after a key rotation) every
    checkpoint signature is checked; without it, checkpoints are only compared with the
    events. Stops at the first problem."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    c = checkpoints_table.c
    marks: list[tuple[Checkpoint, str]] = []
    unreadable: list[Problem] = []
    for seq, hash_, time, signature, key_id in conn.execute(
        sa.select(c.seq, c.hash, c.time, c.signature, c.key_id).order_by(c.seq)
    ):
        try:
            moment = parse_time(time)
        except (TypeError, ValueError):
            unreadable.append(
                Problem(
                    seq,
                    f"The signed checkpoint for event {seq} has an unreadable time "
                    f"({time!r}): the checkpoint was altered.",
                )
            )
            continue
        cp = Checkpoint(seq=seq, hash=hash_, time=moment, signature=signature, key_id=key_id)
        marks.append((cp, "signed checkpoint"))
    marks += [(cp, "trusted checkpoint") for cp in trusted]
    return _verify(_db_batches(conn, batch), marks, public_key, retired_keys, unreadable)


def verify_events(
    events: Iterable[Event],
    public_key: Ed25519PublicKey | None,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    retired_keys: Sequence[Ed25519PublicKey] = (),
) -> VerifyReport:
    """The same checks over events read back from a full export (`read_jsonl`)."""
    marks = [(cp, "checkpoint") for cp in checkpoints]
    return _verify(_event_batches(events), marks, public_key, retired_keys)


def _verify(
    batches: Iterable[Sequence[Sequence[Any]]],
    marks: list[tuple[Checkpoint, str]],
    public_key: Ed25519PublicKey | None,
    retired_keys: Sequence[Ed25519PublicKey],
    problems: list[Problem] | None = None,
) -> VerifyReport:
    keys = {key_id_of(k): k for k in (public_key, *retired_keys) if k is not None}
    anchors, bad_marks = _check_signatures(marks, keys)
    problems = [*(problems or ()), *bad_marks]
    stop_at = min((p.seq for p in problems), default=None)
    result = walk(batches, anchors, stop_at)
    if result.problem is not None:
        problems.append(result.problem)
    elif not result.stopped_early:
        beyond = [s for s in anchors if s > result.last_seq]
        if beyond:
            far = max(beyond)
            what = anchors[far][0].what
            first = result.last_seq + 1
            span = f"event {first} was" if first == far else f"events {first} to {far} were"
            problems.append(
                Problem(
                    first,
                    f"The log ends at event {result.last_seq}, but a {what} vouches for event "
                    f"{far}: {span} removed from the end of the log.",
                )
            )
    first_problem = min(problems, key=lambda p: p.seq) if problems else None
    return VerifyReport(
        ok=first_problem is None,
        events_checked=result.checked,
        checkpoints_checked=result.anchored,
        first_bad_seq=None if first_problem is None else first_problem.seq,
        problem=None if first_problem is None else first_problem.sentence,
        signatures_checked=bool(keys),
        last_seq=result.last_seq,
        last_hash=result.last_hash,
    )


def _check_signatures(
    marks: list[tuple[Checkpoint, str]], keys: dict[str, Ed25519PublicKey]
) -> tuple[dict[int, list[Anchor]], list[Problem]]:
    anchors: dict[int, list[Anchor]] = {}
    problems: list[Problem] = []
    for cp, what in marks:
        if keys:
            key = keys.get(cp.key_id)
            if key is None:
                problems.append(
                    Problem(
                        cp.seq,
                        f"The {what} for event {cp.seq} was signed by a key this verification "
                        f"was not given (key id {cp.key_id[:16]}...), so it cannot be trusted.",
                    )
                )
                continue
            if not cp.signature_valid(key):
                problems.append(
                    Problem(
                        cp.seq,
                        f"The {what} for event {cp.seq} has a signature that does not verify "
                        "with the audit key: the checkpoint was forged or altered.",
                    )
                )
                continue
        label = f"{what} made at {format_time(cp.time)}"
        anchors.setdefault(cp.seq, []).append(Anchor(cp.hash, label))
    return anchors, problems


def _db_batches(conn: Connection, batch: int) -> Iterator[Sequence[Sequence[Any]]]:
    """Pages in seq order, each a closed range `after < seq <= after + batch`.

    A two-sided range makes PostgreSQL walk the primary key even before the table has
    statistics (with `ORDER BY seq LIMIT n` alone it may sort the whole table). Starting
    from the lowest stored seq means rows numbered below 1 (added by tampering) are seen,
    and a gap wider than a page is jumped with one index probe.
    """
    seq = events_table.c.seq
    page = sa.select(*EVENT_COLUMNS).order_by(seq)
    lowest_after = sa.select(sa.func.min(seq))
    following = conn.execute(lowest_after).scalar()
    while following is not None:
        after = int(following) - 1
        while rows := conn.execute(page.where(seq > after, seq <= after + batch)).all():
            yield rows
            after = rows[-1][0]
        following = conn.execute(lowest_after.where(seq > after)).scalar()


def _event_batches(events: Iterable[Event], size: int = 10_000) -> Iterator[list[tuple[Any, ...]]]:
    it = iter(events)
    while chunk := [e.row() for e in islice(it, size)]:
        yield chunk
