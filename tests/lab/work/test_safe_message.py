"""What a submitter reads about a failed item: our errors' words, never a stranger's."""

from __future__ import annotations

import pytest

from connectors.errors import SourceError
from jobs.errors import LimitExceeded
from lab.errors import InvalidInput, NotFound
from lab.work.worker import safe_message


class DriverError(Exception):
    """A third-party error that happens to carry a `message`, as database drivers do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (InvalidInput("the spec names no output"), "the spec names no output"),
        (NotFound("no dataset 'sales'"), "no dataset 'sales'"),
        (LimitExceeded("wall time of 60 s exceeded"), "wall time of 60 s exceeded"),
        (SourceError("not a number", row=4), "not a number (row 4)"),
    ],
)
def test_our_own_errors_are_shown_as_written(error: Exception, shown: str) -> None:
    assert safe_message(error) == shown


@pytest.mark.parametrize(
    "error",
    [
        DriverError("duplicate key (iban)=(DE89370400440532013000)"),
        ValueError("password=hunter2"),
        KeyError("secret column"),
    ],
)
def test_anything_else_is_named_by_its_type_only(error: Exception) -> None:
    shown = safe_message(error)
    assert shown.startswith(f"internal error ({type(error).__name__})")
    assert "DE89" not in shown and "hunter2" not in shown and "secret" not in shown
