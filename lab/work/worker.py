"""Workers: claim an item, run its handler in a private workspace, heartbeat, record the end.

Every run has an error boundary: whatever the handler raises, the item ends failed with a
message the submitter can read, the failure is audited, and the workspace is destroyed.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from connectors.errors import ConnectorError
from jobs.errors import JobError
from lab.catalogue.actions import AuditAction
from lab.context import Lab
from lab.errors import LabError
from lab.work.folders import item_workspace
from lab.work.models import FAILED, SUCCEEDED, WorkItem
from lab.work.queue import claim, expire_leases, finish, heartbeat
from lab.work.statuses import WorkStatus

log = logging.getLogger("lab.worker")


class WorkFailed(Exception):
    """A handler's way to end its item failed, with a status code and a message."""

    def __init__(self, status: str, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.result = status, message, result or {}


@dataclass(frozen=True)
class Outcome:
    status: str = "succeeded"
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)


class WorkContext:
    """What a handler sees: its item, its private workspace, progress and cancellation."""

    def __init__(self, item: WorkItem, workspace: Path) -> None:
        self.item = item
        self.workspace = workspace
        self.done = 0
        self.status: str | None = None
        self._cancel = threading.Event()

    def progress(self, done: int, status: str | None = None) -> None:
        self.done = done
        if status is not None:
            self.status = status

    def cancelled(self) -> bool:
        return self._cancel.is_set()


Handler = Callable[[Lab, WorkContext], Outcome]


# Errors whose `message` is written to be shown to the one who submitted the work. Only
# the lab's own hierarchies qualify: a third-party exception may also carry a `message`
# (a database driver's, say), and it can hold rows, paths or connection strings.
SHOWABLE: tuple[type[Exception], ...] = (LabError, JobError, ConnectorError)


def safe_message(exc: BaseException) -> str:
    """What a submitter may read about a failure: our own errors' messages, else the type."""
    if isinstance(exc, SHOWABLE):
        return str(getattr(exc, "message", "") or exc)
    return f"internal error ({type(exc).__name__}); an admin can find it in the worker log"


def destroy_workspace(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


class Worker:
    def __init__(
        self,
        lab: Lab,
        handlers: Mapping[str, Handler],
        *,
        lease: timedelta = timedelta(seconds=30),
        worker_id: str | None = None,
    ) -> None:
        self.lab = lab
        self.handlers = dict(handlers)
        self.lease = lease
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._next_reap = 0.0

    def run_once(self, only: str | None = None) -> str | None:
        """Claim and run one item (or the item `only`); its id, or None if none was queued."""
        if time.monotonic() >= self._next_reap:  # a lease cannot expire faster than this
            self.reap()
            self._next_reap = time.monotonic() + self.lease.total_seconds()
        item = claim(self.lab.sessions, self.id, list(self.handlers), lease=self.lease, only=only)
        if item is None:
            return None
        self._run(item)
        return item.id

    def run_forever(self, stop: threading.Event, *, idle_seconds: float = 1.0) -> None:
        while not stop.is_set():
            try:
                if self.run_once() is None:
                    stop.wait(idle_seconds)
            except Exception:  # the loop itself must survive (database hiccups)
                log.exception("worker loop error")
                stop.wait(idle_seconds)

    def reap(self) -> None:
        """Fail (or requeue) items whose worker died, and remove their workspaces."""
        with self.lab.transaction() as session:
            expired = expire_leases(session, requeue=self.lab.settings.requeue_expired_work)
            for item in expired:
                destroy_workspace(item_workspace(self.lab.settings, item.id))
                self._audit(session, item, AuditAction.WORK_LEASE_EXPIRED, item.state, item.message)

    def _run(self, item: WorkItem) -> None:
        workspace = item_workspace(self.lab.settings, item.id)
        workspace.mkdir(parents=True, mode=0o700, exist_ok=True)
        context = WorkContext(item, workspace)
        beating = threading.Event()
        beat = threading.Thread(target=self._beat, args=(context, beating), daemon=True)
        beat.start()
        state, outcome = FAILED, Outcome(WorkStatus.ERROR, "")
        try:
            outcome = self.handlers[item.kind](self.lab, context)
            state = SUCCEEDED
        except WorkFailed as exc:
            outcome = Outcome(exc.status, exc.message, exc.result)
        except Exception as exc:
            log.exception("work item %s failed", item.id)
            outcome = Outcome(WorkStatus.ERROR, safe_message(exc))
        finally:
            beating.set()
            beat.join(5)
            destroy_workspace(workspace)
        with self.lab.transaction() as session:
            owned = finish(
                session,
                item.id,
                self.id,
                state=state,
                status=outcome.status,
                message=outcome.message,
                result=outcome.result,
                progress=context.done,
            )
            if owned:
                self._audit(session, item, AuditAction.WORK_FINISH, state, outcome.status)

    def _beat(self, context: WorkContext, stop: threading.Event) -> None:
        interval = max(self.lease.total_seconds() / 3, 0.05)
        while not stop.wait(interval):
            try:
                if heartbeat(
                    self.lab.sessions,
                    context.item.id,
                    self.id,
                    lease=self.lease,
                    progress=context.done,
                    status=context.status,
                ):
                    context._cancel.set()
            except Exception:
                log.exception("heartbeat failed for %s", context.item.id)

    def _audit(self, session: Any, item: WorkItem, action: str, state: str, detail: str) -> None:
        self.lab.auditor.record(
            session,
            actor=f"system:worker:{self.id}"[:200],
            action=action,
            resource=f"{item.zone}/{item.kind}s/{item.id}",
            tenant=item.tenant,
            zone=item.zone,
            outcome=state,
            details={"item": item.id, "kind": item.kind, "status": detail[:60]},
        )
