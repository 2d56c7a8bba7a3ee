"""Group commit: concurrent callers share transactions, each gets its own durable event, the
chain stays linear, also with several processes each running an appender."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from audit import AppendFailed, EventFilter, GroupAppender, verify
from audit.schema import events_table
from lab.db.engine import make_engine
from tests.audit.audit_helpers import KEY, draft, make_log


def _hammer(appender: GroupAppender, threads: int, each: int) -> dict[tuple[int, int], int]:
    """`threads` threads append `each` events; returns (thread, i) -> the seq it was given."""
    got: dict[tuple[int, int], int] = {}
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run(t: int) -> None:
        start.wait()
        for i in range(each):
            event = appender.append(draft(request_id=f"t{t}-{i}", details={"t": t, "i": i}))
            with lock:
                got[(t, i)] = event.seq

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    return got


def test_concurrent_appends_share_commits_and_form_one_chain(db_engine: Engine) -> None:
    appender = GroupAppender(make_log(every=25), db_engine).start()
    try:
        got = _hammer(appender, threads=16, each=20)
    finally:
        appender.close()
    assert sorted(got.values()) == list(range(1, 321))  # each caller its own seq
    assert appender.stats.events == 320
    assert appender.stats.batches < 320  # callers waiting together were committed together
    with db_engine.connect() as conn:
        report = verify(conn, KEY.public_key())
        stored = {
            (e.details["t"], e.details["i"]): e.seq
            for e in make_log().iter_events(conn, EventFilter())
        }
    assert report.ok, report.problem
    assert report.checkpoints_checked >= 12
    assert stored == got  # what each caller was told is what the log holds


def test_an_event_is_committed_when_append_returns(db_engine: Engine) -> None:
    appender = GroupAppender(make_log(), db_engine).start()
    try:
        event = appender.append(draft(request_id="durable-1"))
        # another connection (a fresh transaction) sees it at once
        with db_engine.connect() as conn:
            row = conn.execute(
                sa.select(events_table.c.seq, events_table.c.hash).where(
                    events_table.c.request_id == "durable-1"
                )
            ).one()
    finally:
        appender.close()
    assert (row.seq, row.hash) == (event.seq, event.hash)


def test_a_bad_draft_fails_its_own_caller_only(db_engine: Engine) -> None:
    appender = GroupAppender(make_log(), db_engine).start()
    try:
        bad = draft()
        bad.details["raw"] = object()  # not JSON: refused before it reaches a batch
        with pytest.raises((TypeError, ValueError)):
            appender.append(bad)
        with pytest.raises(ValueError):
            appender.append("not a draft")  # type: ignore[arg-type]
        good = appender.append(draft(request_id="after-bad"))
    finally:
        appender.close()
    assert good.seq == 1


def test_a_failed_batch_reaches_every_waiter_and_nothing_is_written(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")  # no audit tables here
    appender = GroupAppender(make_log(), engine).start()
    try:
        with pytest.raises(AppendFailed) as caught:
            appender.append(draft())
        assert caught.value.__cause__ is not None
        assert appender.stats.events == 0
    finally:
        appender.close()
        engine.dispose()


def test_closing_writes_what_is_pending_then_refuses(db_engine: Engine) -> None:
    appender = GroupAppender(make_log(), db_engine).start()
    results: list[int] = []
    callers = [
        threading.Thread(target=lambda i=i: results.append(appender.append(draft()).seq))
        for i in range(10)
    ]
    for c in callers:
        c.start()
    for c in callers:
        c.join(30)
    appender.close()
    with pytest.raises(AppendFailed):
        appender.append(draft())
    assert sorted(results) == list(range(1, 11))


def test_batches_are_capped(db_engine: Engine) -> None:
    appender = GroupAppender(make_log(), db_engine, max_batch=3).start()
    try:
        _hammer(appender, threads=8, each=5)
    finally:
        appender.close()
    assert appender.stats.largest_batch <= 3 and appender.stats.events == 40
    with pytest.raises(ValueError):
        GroupAppender(make_log(), db_engine, max_batch=0)


def _appending_process(url: str, worker: int, each: int, start: Any) -> None:
    """Body of one spawned process: its own engine and appender, 8 threads."""
    engine = make_engine(url)
    appender = GroupAppender(make_log(every=50), engine).start()
    start.wait(60)
    got = _hammer(appender, threads=8, each=each)
    appender.close()
    engine.dispose()
    assert len(got) == 8 * each, worker


@pytest.mark.slow
def test_appenders_in_several_processes_form_one_chain(db_engine: Engine) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_appending_process, args=(url, w, 25, start)) for w in range(3)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with db_engine.connect() as conn:
        report = verify(conn, KEY.public_key())
        seqs = list(conn.scalars(sa.select(events_table.c.seq).order_by(events_table.c.seq)))
    assert report.ok, report.problem
    assert seqs == list(range(1, 3 * 8 * 25 + 1))


def _append_in_fork(appender: GroupAppender, said: Any) -> None:
    try:
        appender.append(draft())
        said.put("appended")
    except AppendFailed as exc:
        said.put(str(exc))


def test_a_forked_child_is_refused_instead_of_waiting_forever(db_engine: Engine) -> None:
    appender = GroupAppender(make_log(), db_engine).start()
    ctx = multiprocessing.get_context("fork")
    said = ctx.Queue()
    try:
        child = ctx.Process(target=_append_in_fork, args=(appender, said))
        child.start()
        child.join(30)
        assert child.exitcode == 0
        assert "belongs to the process" in said.get(timeout=5)
        assert appender.append(draft()).seq == 1  # the parent's appender still works
    finally:
        appender.close()
