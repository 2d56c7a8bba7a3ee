"""Tampering with the stored log, the way someone with database access could, must show
in verify() with the exact first bad sequence number.

Every case starts from the same log: events 1..20, checkpoints signed at 5, 10, 15, 20.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Connection, Engine

from audit import Checkpoint, verify
from audit.schema import checkpoints_table
from tests.audit.audit_helpers import (
    KEY,
    delete_checkpoints,
    delete_events,
    draft,
    fill,
    forged_row,
    insert_row,
    make_log,
    rechain,
    rows,
    set_checkpoint,
    set_columns,
    shift_seqs,
    swap_contents,
)

Tamper = Callable[[Connection], None]


def _hash_of(conn: Connection, seq: int) -> str:
    return str(next(r[12] for r in rows(conn) if r[0] == seq))


def _insert_forged(at: int) -> Tamper:
    def tamper(conn: Connection) -> None:
        prev = _hash_of(conn, at - 1)
        shift_seqs(conn, at, +1)
        insert_row(conn, forged_row(at, prev))

    return tamper


def _insert_copy(at: int) -> Tamper:
    def tamper(conn: Connection) -> None:
        copy = next(r for r in rows(conn) if r[0] == at - 1)
        shift_seqs(conn, at, +1)
        insert_row(conn, (at, *copy[1:]))

    return tamper


def _insert_garbage(at: int, renumber: bool) -> Tamper:
    def tamper(conn: Connection) -> None:
        if renumber:
            shift_seqs(conn, at, +1)
        insert_row(conn, (*forged_row(at, "1" * 64)[:12], "2" * 64))

    return tamper


def _delete_and_renumber(seq: int) -> Tamper:
    def tamper(conn: Connection) -> None:
        delete_events(conn, seq)
        shift_seqs(conn, seq + 1, -1)

    return tamper


def _rewrite_and_rechain(seq: int, drop_checkpoints: bool = False) -> Tamper:
    def tamper(conn: Connection) -> None:
        set_columns(conn, seq, actor="mallory")
        rechain(conn, seq)
        if drop_checkpoints:
            delete_checkpoints(conn, seq)

    return tamper


def _foreign_checkpoint(seq: int) -> Tamper:
    def tamper(conn: Connection) -> None:
        other = Ed25519PrivateKey.from_private_bytes(b"\x07" * 32)
        cp = Checkpoint.sign(other, seq, _hash_of(conn, seq), datetime.now(UTC))
        conn.execute(checkpoints_table.insert().values(cp.to_dict()))

    return tamper


def _truncate(first: int, drop_checkpoints_from: int | None = None) -> Tamper:
    def tamper(conn: Connection) -> None:
        delete_events(conn, first, 20)
        if drop_checkpoints_from is not None:
            delete_checkpoints(conn, drop_checkpoints_from)

    return tamper


# (case, tamper, expected first_bad_seq, pass the exported checkpoints as trusted)
CASES: list[tuple[str, Tamper, int, bool]] = [
    ("edit actor", lambda c: set_columns(c, 7, actor="mallory"), 7, False),
    ("edit action", lambda c: set_columns(c, 7, action="dataset.delete"), 7, False),
    ("edit resource", lambda c: set_columns(c, 2, resource="tenants/x"), 2, False),
    ("edit tenant", lambda c: set_columns(c, 3, tenant="globex"), 3, False),
    ("edit zone to null", lambda c: set_columns(c, 19, zone=None), 19, False),
    ("edit decision", lambda c: set_columns(c, 12, decision="allow"), 12, False),
    ("edit outcome", lambda c: set_columns(c, 1, outcome="error"), 1, False),
    ("edit request id", lambda c: set_columns(c, 20, request_id="req-2"), 20, False),
    ("edit details", lambda c: set_columns(c, 8, details='{"i":999}'), 8, False),
    ("edit time", lambda c: set_columns(c, 9, time="2025-01-01T00:00:00.000000Z"), 9, False),
    ("edit stored hash", lambda c: set_columns(c, 4, hash="f" * 64), 4, False),
    ("edit prev_hash", lambda c: set_columns(c, 11, prev_hash="e" * 64), 11, False),
    ("delete middle event", lambda c: delete_events(c, 8), 8, False),
    ("delete first event", lambda c: delete_events(c, 1), 1, False),
    ("delete and renumber", _delete_and_renumber(8), 8, False),
    ("delete first and renumber", _delete_and_renumber(1), 1, False),
    ("insert forged event, renumber", _insert_forged(6), 6, False),
    ("insert copy of previous, renumber", _insert_copy(6), 6, False),
    ("insert garbage event, renumber", _insert_garbage(6, renumber=True), 6, False),
    ("insert event at the end", _insert_garbage(21, renumber=False), 21, False),
    ("insert event before the start", _insert_garbage(0, renumber=False), 0, False),
    ("insert event after a gap", _insert_garbage(25, renumber=False), 21, False),
    ("swap two events", lambda c: swap_contents(c, 4, 9), 4, False),
    ("swap neighbours", lambda c: swap_contents(c, 4, 5), 4, False),
    ("truncate tail behind checkpoint", _truncate(18), 18, False),
    ("truncate tail and its checkpoints", _truncate(13, 11), 13, True),
    ("rewrite and recompute hashes", _rewrite_and_rechain(7), 6, False),
    ("rewrite after last checkpoint", _rewrite_and_rechain(17), 16, False),
    ("rewrite, rehash, drop checkpoints", _rewrite_and_rechain(7, True), 6, True),
    (
        "forged checkpoint signature",
        lambda c: set_checkpoint(c, 10, signature="0" * 128),
        10,
        False,
    ),
    ("checkpoint hash edited", lambda c: set_checkpoint(c, 15, hash="a" * 64), 15, False),
    ("checkpoint moved", lambda c: set_checkpoint(c, 10, seq=11), 11, False),
    ("checkpoint by a foreign key", _foreign_checkpoint(12), 12, False),
    ("checkpoint time garbled", lambda c: set_checkpoint(c, 10, time="yesterday"), 10, False),
]


def _build(engine: Engine) -> list[Checkpoint]:
    log = make_log(every=5)
    fill(engine, log, 20)
    with engine.connect() as conn:
        exported = [c.to_dict() for c in log.checkpoints(conn)]
    assert sorted(c["seq"] for c in exported) == [5, 10, 15, 20]
    return [Checkpoint.from_dict(c) for c in exported]


def test_untouched_log_verifies(db_engine: Engine) -> None:
    trusted = _build(db_engine)
    with db_engine.connect() as conn:
        report = verify(conn, KEY.public_key(), trusted=trusted, batch=7)
    assert report.ok, report.problem
    assert (report.events_checked, report.checkpoints_checked) == (20, 8)
    assert report.first_bad_seq is None and report.problem is None
    assert report.signatures_checked and report.last_seq == 20


@pytest.mark.parametrize(
    ("tamper", "expected", "use_trusted"),
    [pytest.param(t, e, u, id=name) for name, t, e, u in CASES],
)
def test_tampering_is_detected(
    db_engine: Engine, tamper: Tamper, expected: int, use_trusted: bool
) -> None:
    trusted = _build(db_engine)
    with db_engine.begin() as conn:
        tamper(conn)
    with db_engine.connect() as conn:
        report = verify(conn, KEY.public_key(), trusted=trusted if use_trusted else (), batch=7)
    assert not report.ok
    assert report.first_bad_seq == expected, report.problem
    assert report.problem is not None
    assert str(expected) in report.problem and report.problem.endswith(".")
    assert report.to_dict()["first_bad_seq"] == expected


def test_truncation_hidden_by_deleting_checkpoints_needs_trusted_ones(db_engine: Engine) -> None:
    trusted = _build(db_engine)
    with db_engine.begin() as conn:
        _truncate(13, 11)(conn)
    with db_engine.connect() as conn:
        assert verify(conn, KEY.public_key()).ok  # the limit of what the database can prove
        report = verify(conn, KEY.public_key(), trusted=trusted)
    assert (report.ok, report.first_bad_seq) == (False, 13)


def test_without_public_key_signatures_are_not_checked(db_engine: Engine) -> None:
    _build(db_engine)
    with db_engine.begin() as conn:
        set_checkpoint(conn, 10, signature="0" * 128)
    with db_engine.connect() as conn:
        unsigned = verify(conn, None)
        signed = verify(conn, KEY.public_key())
    assert unsigned.ok and not unsigned.signatures_checked
    assert unsigned.checkpoints_checked == 4
    assert (signed.ok, signed.first_bad_seq) == (False, 10)


def test_retired_key_still_verifies_its_checkpoints(db_engine: Engine) -> None:
    _build(db_engine)  # checkpoints 5..20 signed with KEY
    new_key = Ed25519PrivateKey.from_private_bytes(b"\x09" * 32)
    with db_engine.begin() as conn:
        make_log(new_key, every=5).append_many(conn, [draft() for _ in range(5)])
    with db_engine.connect() as conn:
        only_new = verify(conn, new_key.public_key())
        both = verify(conn, new_key.public_key(), retired_keys=[KEY.public_key()])
    assert (only_new.ok, only_new.first_bad_seq) == (False, 5)
    assert "not given" in (only_new.problem or "")
    assert both.ok and both.checkpoints_checked == 5


def test_first_problem_wins_over_later_ones(db_engine: Engine) -> None:
    _build(db_engine)
    with db_engine.begin() as conn:
        set_checkpoint(conn, 15, signature="0" * 128)
        set_columns(conn, 3, actor="mallory")
        delete_events(conn, 12)
    with db_engine.connect() as conn:
        report = verify(conn, KEY.public_key())
    assert report.first_bad_seq == 3
    assert report.events_checked == 2
