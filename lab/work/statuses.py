"""The states and status codes of work items (jobs and imports), defined once.

`WorkState` is the coarse life cycle the queue enforces (the `work_items.state` column has
a CHECK constraint with exactly these values). `WorkStatus` is the finer code a submitter
reads next to it: why an item failed, or what a running item is doing. The status column
is free text to the database (a new engine may add a code without a migration), so this
enum names the codes the lab itself writes; `StrEnum` members compare equal to the stored
strings, which is what lets old rows and new code agree.
"""

from __future__ import annotations

from enum import StrEnum


class WorkState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def ended(self) -> bool:
        """Nothing more happens to an item in this state: it cannot be cancelled."""
        return self in (WorkState.SUCCEEDED, WorkState.FAILED, WorkState.CANCELLED)


class WorkStatus(StrEnum):
    """Detailed codes. Queue and worker: queued .. error. Imports: invalid-input. Jobs: the
    rest (engines report succeeded, failed, timeout, killed, refused themselves)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    CANCELLED = "cancelled"
    REQUEUED = "requeued"  # its worker died; another will run it
    LEASE_EXPIRED = "lease-expired"  # its worker died; it is not run again
    ERROR = "error"  # the handler raised something unexpected (see the worker log)
    INVALID_INPUT = "invalid-input"  # an import's source or spec was wrong
    INVALID_SPEC = "invalid-spec"
    REFUSED = "refused"  # the engine cannot run here (no sandbox, no JVM)
    LIMIT_EXCEEDED = "limit-exceeded"
    INPUT_NOT_FOUND = "input-not-found"
    FORBIDDEN = "forbidden"
    UNAUTHENTICATED = "unauthenticated"  # the submitter can no longer act (account disabled)
    CONFLICT = "conflict"  # an input changed state under the job (destroyed, held)
    FAILED = "failed"
    TIMEOUT = "timeout"
    KILLED = "killed"
    OUTPUTS_MISSING = "outputs-missing"
