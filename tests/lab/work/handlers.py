"""Handlers for queue tests; importable by spawned worker processes."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

from lab.context import Lab
from lab.settings import Settings
from lab.work.worker import Outcome, WorkContext, Worker, WorkFailed


def record(lab: Lab, ctx: WorkContext) -> Outcome:
    """Write a marker into the workspace and report the item's id."""
    (ctx.workspace / "scratch.txt").write_text("private")
    time.sleep(float(ctx.item.spec.get("sleep", 0)))
    return Outcome("done", "", {"ran": ctx.item.id, "workspace": str(ctx.workspace)})


def hang(lab: Lab, ctx: WorkContext) -> Outcome:
    (ctx.workspace / "scratch.txt").write_text("private")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if ctx.cancelled():
            raise WorkFailed("cancelled", "stopped on request")
        time.sleep(0.05)
    return Outcome()


def explode(lab: Lab, ctx: WorkContext) -> Outcome:
    raise RuntimeError("secret detail /etc/shadow")


HANDLERS = {"record": record, "hang": hang, "explode": explode}


def drain(settings_json: str, out_file: str, worker_id: str) -> None:
    """A worker process: run items until the queue is empty; list what it ran."""
    lab = Lab.open(Settings.model_validate_json(settings_json))
    worker = Worker(lab, HANDLERS, worker_id=worker_id, lease=timedelta(seconds=10))
    ran = []
    idle = 0
    while idle < 3:
        got = worker.run_once()
        if got is None:
            idle += 1
            time.sleep(0.2)
        else:
            idle = 0
            ran.append(got)
    Path(out_file).write_text(json.dumps(ran))
    lab.close()


def work_and_hang(settings_json: str) -> None:
    lab = Lab.open(Settings.model_validate_json(settings_json))
    Worker(lab, HANDLERS, worker_id="doomed", lease=timedelta(seconds=1)).run_once()
