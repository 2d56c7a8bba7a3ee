"""The work queue: one claimant per item, leases that expire, cancellation, error boundary."""

from __future__ import annotations

import json
import multiprocessing as mp
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from lab.work.models import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED
from lab.work.queue import MAX_ATTEMPTS, cancel, claim, expire_leases, get_item, submit
from lab.work.worker import Worker
from tests.lab.factories import World
from tests.lab.retention.helpers import events, settings_json
from tests.lab.work.handlers import HANDLERS, drain, work_and_hang


def enqueue(world: World, kind: str, n: int = 1, **spec: object) -> list[str]:
    with world.lab.transaction() as session:
        return [
            submit(
                session,
                kind=kind,
                tenant="acme",
                zone="sandbox",
                name=f"{kind}-{i}",
                submitter="a-eng",
                spec=dict(spec),
            ).id
            for i in range(n)
        ]


def state_of(world: World, item_id: str) -> tuple[str, str, str]:
    with world.lab.read() as session:
        item = get_item(session, item_id)
        return item.state, item.status, item.message


def test_several_worker_processes_run_each_item_exactly_once(world: World, tmp_path: Path) -> None:
    ids = enqueue(world, "record", 24, sleep=0.02)
    ctx = mp.get_context("spawn")
    outs = [tmp_path / f"w{i}.json" for i in range(3)]
    procs = [
        ctx.Process(target=drain, args=(settings_json(world.lab.settings), str(o), f"w{i}"))
        for i, o in enumerate(outs)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    ran = [item for o in outs for item in json.loads(o.read_text())]
    assert sorted(ran) == sorted(ids)
    assert all(state_of(world, i)[0] == SUCCEEDED for i in ids)
    assert sum(1 for o in outs if json.loads(o.read_text())) >= 2, "work was not shared"


def test_a_killed_worker_leaves_its_item_failed_once_the_lease_expires(world: World) -> None:
    [item_id] = enqueue(world, "hang")
    proc = mp.get_context("spawn").Process(
        target=work_and_hang, args=(settings_json(world.lab.settings),)
    )
    proc.start()
    deadline = time.monotonic() + 60
    while state_of(world, item_id)[0] != RUNNING and time.monotonic() < deadline:
        time.sleep(0.1)
    assert state_of(world, item_id)[0] == RUNNING
    workspace = world.lab.settings.home / "work" / item_id
    while not (workspace / "scratch.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.join(30)
    time.sleep(1.5)  # the lease (1 s) runs out
    Worker(world.lab, HANDLERS).reap()
    state, status, message = state_of(world, item_id)
    assert (state, status) == (FAILED, "lease-expired") and "heartbeat" in message
    assert not workspace.exists()
    assert len(events(world.lab, "work.lease_expired")) == 1


def test_cancel_a_queued_item_and_a_running_one(world: World) -> None:
    queued, running = enqueue(world, "hang", 2)
    with world.lab.transaction() as session:
        cancel(session, queued, tenant="acme", kind="hang", zone="sandbox")
    assert state_of(world, queued)[0] == CANCELLED
    worker = Worker(world.lab, HANDLERS, lease=timedelta(seconds=0.3))
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    deadline = time.monotonic() + 30
    while state_of(world, running)[0] != RUNNING and time.monotonic() < deadline:
        time.sleep(0.05)
    with world.lab.transaction() as session:
        cancel(session, running, tenant="acme", kind="hang", zone="sandbox")
    thread.join(30)
    assert state_of(world, running)[:2] == (CANCELLED, "cancelled")


def test_a_failing_handler_ends_failed_with_a_safe_message_and_no_workspace(
    world: World,
) -> None:
    [item_id] = enqueue(world, "explode")
    assert Worker(world.lab, HANDLERS).run_once() == item_id
    state, status, message = state_of(world, item_id)
    assert (state, status) == (FAILED, "error")
    assert "RuntimeError" in message and "shadow" not in message
    assert not (world.lab.settings.home / "work" / item_id).exists()
    [finished] = events(world.lab, "work.finish")
    assert finished["outcome"] == FAILED


@pytest.mark.parametrize("kind", ["record"])
def test_a_succeeding_handler_keeps_its_result_and_destroys_its_workspace(
    world: World, kind: str
) -> None:
    [item_id] = enqueue(world, kind)
    Worker(world.lab, HANDLERS).run_once()
    with world.lab.read() as session:
        item = get_item(session, item_id)
    assert item.state == SUCCEEDED and item.result["ran"] == item_id
    assert not Path(item.result["workspace"]).exists()


def test_a_requeued_item_says_so_runs_again_and_fails_after_the_last_attempt(
    world: World,
) -> None:
    [item_id] = enqueue(world, "hang")
    lease = timedelta(seconds=0.05)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claimed = claim(world.lab.sessions, f"doomed-{attempt}", ["hang"], lease=lease)
        assert claimed is not None and claimed.id == item_id
        state, _, message = state_of(world, item_id)
        assert state == RUNNING and "lease expired" not in message
        if attempt > 1:
            assert f"attempt {attempt} of {MAX_ATTEMPTS}" in message
        time.sleep(0.1)  # the worker "dies": its lease runs out
        with world.lab.transaction() as session:
            expire_leases(session, requeue=True)
        state, status, message = state_of(world, item_id)
        if attempt < MAX_ATTEMPTS:
            assert (state, status) == (QUEUED, "requeued")
            assert "queued to run again" in message and "lease expired" not in message
    assert (state, status) == (FAILED, "lease-expired") and "lease expired" in message
    assert claim(world.lab.sessions, "late", ["hang"], lease=lease) is None
