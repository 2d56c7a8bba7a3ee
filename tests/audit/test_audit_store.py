"""Appending, reading back, checkpoint policy and concurrent appenders, on both backends."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta, timezone
from itertools import pairwise

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from audit import GENESIS_HASH, AuditLog, Event, EventFilter, verify
from audit.canonical import hash_row
from audit.schema import events_table
from tests.audit.audit_helpers import KEY, StepClock, append_worker, draft, fill, make_log, rows


def test_empty_log(db_engine: Engine) -> None:
    log = make_log()
    with db_engine.begin() as conn:
        assert log.head(conn) == (0, GENESIS_HASH)
        assert log.checkpoint(conn) is None
        assert log.checkpoints(conn) == []
        assert log.append_many(conn, []) == []
        assert verify(conn, KEY.public_key()).ok


def test_append_returns_exactly_what_is_stored(db_engine: Engine) -> None:
    log = make_log()
    d = draft(
        actor="张伟",
        tenant="银行",
        request_id=None,
        details={"sha256": "00" * 32, "n": 3, "nested": {"b": [1, 2.5, None], "a": True}},
    )
    with db_engine.begin() as conn:
        first = log.append(conn, d)
        second = log.append(conn, draft(decision=None, zone=None, details={}))
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert first.time.microsecond == 123456 and first.time.utcoffset() == timedelta(0)
    with db_engine.connect() as conn:
        assert log.get(conn, 1) == first
        assert log.get(conn, 2) == second
        assert log.get(conn, 3) is None
        assert log.head(conn) == (2, second.hash)
        stored = rows(conn)
    assert [hash_row(r) for r in stored] == [first.hash, second.hash]
    assert first.details == {
        "sha256": "00" * 32,
        "n": 3,
        "nested": {"a": True, "b": [1, 2.5, None]},
    }


def test_time_round_trips_from_any_zone(db_engine: Engine) -> None:
    beijing = timezone(timedelta(hours=8))
    clock = StepClock(now=StepClock().now.astimezone(beijing))
    log = make_log(clock=clock)
    with db_engine.begin() as conn:
        event = log.append(conn, draft())
    with db_engine.connect() as conn:
        again = log.get(conn, event.seq)
    assert again == event and again is not None
    assert again.time == StepClock().now and str(again.time.tzinfo) == "UTC"


def test_rolled_back_transaction_leaves_no_event(db_engine: Engine) -> None:
    log = make_log(every=1)
    fill(db_engine, log, 3)
    with pytest.raises(RuntimeError), db_engine.begin() as conn:
        log.append(conn, draft())
        raise RuntimeError("the change failed, so its audit event must go too")
    with db_engine.connect() as conn:
        assert log.head(conn)[0] == 3
        assert [c.seq for c in log.checkpoints(conn)] == [3, 2, 1]
    fill(db_engine, log, 1)
    with db_engine.connect() as conn:
        assert verify(conn, KEY.public_key()).ok


def test_checkpoint_every_n_events(db_engine: Engine) -> None:
    log = make_log(every=4)
    with db_engine.begin() as conn:
        for _ in range(9):
            log.append(conn, draft())
        log.append_many(conn, [draft() for _ in range(7)])  # 10..16: crosses 12 and 16
        seqs = [c.seq for c in log.checkpoints(conn)]
    # seq 1: the log had no checkpoint yet, so one was overdue.
    assert seqs == [16, 12, 8, 4, 1]


def test_checkpoint_when_the_last_is_too_old(db_engine: Engine) -> None:
    clock = StepClock(step=timedelta(seconds=20))
    log = make_log(every=1000, seconds=60, clock=clock)
    with db_engine.begin() as conn:
        for _ in range(8):
            log.append(conn, draft())
        checkpoints = log.checkpoints(conn)
    # Every append reads the clock twice (event time, overdue test), a checkpoint once.
    assert [c.seq for c in checkpoints] == [7, 5, 3, 1]
    times = [c.time for c in reversed(checkpoints)]
    assert all(later - earlier >= timedelta(seconds=60) for earlier, later in pairwise(times))


def test_forced_checkpoint_is_idempotent(db_engine: Engine) -> None:
    log = make_log()
    fill(db_engine, log, 5)  # overdue at first: checkpoint at 5
    with db_engine.begin() as conn:
        log.append(conn, draft())
        made = log.checkpoint(conn)
        again = log.checkpoint(conn)
    assert made is not None and made == again
    assert (made.seq, made.key_id) == (6, log.key_id)
    assert made.signature_valid(KEY.public_key())
    with db_engine.connect() as conn:
        assert [c.seq for c in log.checkpoints(conn, limit=1)] == [6]
        assert len(log.checkpoints(conn)) == 2
        with pytest.raises(ValueError, match="limit"):
            log.checkpoints(conn, limit=0)


def test_log_without_signer_writes_no_checkpoints(db_engine: Engine) -> None:
    log = make_log(signer=None, every=1)
    fill(db_engine, log, 5)
    with db_engine.begin() as conn:
        assert log.checkpoint(conn) is None
        assert log.checkpoints(conn) == []
        report = verify(conn, None)
    assert report.ok and report.events_checked == 5 and not report.signatures_checked


def test_bad_drafts_write_nothing(db_engine: Engine) -> None:
    log = make_log()
    good = draft()
    bad = draft()
    bad.details["blob"] = "x" * 9000  # type: ignore[index]  # mutated after the check
    with pytest.raises(ValueError, match="bytes"), db_engine.begin() as conn:
        log.append_many(conn, [good, bad])
    with db_engine.connect() as conn:
        assert log.head(conn)[0] == 0


def test_verify_streams_in_batches(db_engine: Engine) -> None:
    log = make_log(every=10)
    fill(db_engine, log, 95)
    with db_engine.connect() as conn:
        for batch in (1, 10, 94, 95, 96, 10_000):
            report = verify(conn, KEY.public_key(), batch=batch)
            # at 10, 20, ..., 90, and at 95 (the log had no checkpoint yet)
            assert report.ok and report.events_checked == 95 and report.checkpoints_checked == 10
        with pytest.raises(ValueError):
            verify(conn, KEY.public_key(), batch=0)


def test_constructor_rejects_bad_policy() -> None:
    with pytest.raises(ValueError):
        AuditLog(checkpoint_every=0)
    with pytest.raises(ValueError):
        AuditLog(checkpoint_seconds=0)


@pytest.mark.slow
def test_concurrent_processes_form_one_chain(db_engine: Engine) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    per_worker, batches = 200, (1, 1, 7, 25)  # two one-event writers, two batching ones
    procs = [
        ctx.Process(target=append_worker, args=(url, w, per_worker, batches[w], start))
        for w in range(4)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]

    total = 4 * per_worker
    with db_engine.connect() as conn:
        report = verify(conn, KEY.public_key())
        events = list(make_log().iter_events(conn, EventFilter(), batch=333))
        seqs = [r[0] for r in conn.execute(sa.select(events_table.c.seq).order_by("seq"))]
    assert report.ok, report.problem
    assert report.events_checked == total and report.checkpoints_checked >= total // 50
    assert seqs == list(range(1, total + 1))
    seen = {(e.details["worker"], e.details["i"]) for e in events}
    assert seen == {(w, i) for w in range(4) for i in range(per_worker)}
    assert all(isinstance(e, Event) for e in events)
