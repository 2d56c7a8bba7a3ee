"""The jobs library's errors; the lab maps them to its own error hierarchy."""

from __future__ import annotations


class JobError(Exception):
    """Base of the library's errors. `message` is safe to show to the job's submitter."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SpecInvalid(JobError):
    """The job spec is malformed or names something it may not."""


class EngineRefused(JobError):
    """The engine refused the code (an escape attempt, a forbidden statement) or cannot run."""


class LimitExceeded(JobError):
    """The job hit a limit: wall time, memory, rows, output size."""


class JobCancelled(JobError):
    """The job was cancelled while it ran; what it was doing was stopped."""
