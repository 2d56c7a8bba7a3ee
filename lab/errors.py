"""The lab's one error hierarchy.

Services raise these; the API maps them to HTTP statuses in one handler
(`lab.api.errors`) and the CLI prints their message. Nothing below the API layer knows
about HTTP.
"""

from __future__ import annotations

from typing import Any


class LabError(Exception):
    """Base of every error the lab raises on purpose. `message` is safe to show a user."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(LabError):
    """The caller sent something the lab cannot accept; the message says what to fix."""

    code = "invalid_input"


class Unauthenticated(LabError):
    """No credentials, or credentials that are unknown, expired or revoked."""

    code = "unauthenticated"


class Forbidden(LabError):
    """Authenticated, but the policy does not allow this action."""

    code = "forbidden"


class NotFound(LabError):
    """The thing does not exist, or the caller may not know that it exists."""

    code = "not_found"


class Conflict(LabError):
    """The request collides with the current state (a duplicate name, a state change)."""

    code = "conflict"


class WouldLockOut(Conflict):
    """A change would leave no active user able to administer the policy (lab.policy.lockout)."""

    code = "would_lock_out"


class ConfigurationError(LabError):
    """The lab cannot start: a setting, key or definition file is missing or wrong."""

    code = "configuration"
