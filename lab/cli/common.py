"""What every CLI command shares: opening the lab, the local principal, printing, errors.

The local CLI holds the lab home and its master key, so it is the operator's console. It
still passes the same chokepoint as the API, as the principal `system:cli` (an admin by
the seed policy; a policy can restrict it), and every action it takes is audited. With
`LAB_TOKEN` set, it acts as that token's user instead (a compliance officer placing a
legal hold, say), with exactly that user's rights.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer

from lab.auditing import Actor
from lab.authz.chokepoint import PLATFORM, Principal
from lab.cli.output import err_console
from lab.context import Lab
from lab.errors import LabError
from lab.settings import Settings
from lab.tokens.service import authenticate
from lab.work.models import WorkItem

CLI_PRINCIPAL = Principal(user="system:cli", tenant=None)

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


def state_text(item: WorkItem) -> str:
    """A work item's end or progress: `failed (limit-exceeded)`; the state alone when the
    status only repeats it (`succeeded`, not `succeeded (succeeded)`)."""
    return item.state if item.status == item.state else f"{item.state} ({item.status})"


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a lab error as one clear line and exit 1, instead of a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except LabError as exc:
            raise fail(exc.message) from None

    return wrapper


@contextmanager
def open_lab(*, upgrade_schema: bool = False) -> Iterator[Lab]:
    lab = Lab.open(Settings(), upgrade_schema=upgrade_schema)
    try:
        yield lab
    finally:
        lab.close()


def principal_of(lab: Lab) -> tuple[Principal, Actor]:
    """Who the CLI acts as: LAB_TOKEN's user, or the operator console."""
    if lab.settings.token is None:
        return CLI_PRINCIPAL, Actor(f"{CLI_PRINCIPAL.user}:{getpass.getuser()}")
    principal = authenticate(lab, lab.settings.token.get_secret_value())
    return principal, Actor(principal.user)


def authorize(
    lab: Lab, action: str, resource: str, *, tenant: str = PLATFORM, zone: str = "platform"
) -> Actor:
    """Pass the chokepoint as the console (or LAB_TOKEN's user); return who acts."""
    principal, actor = principal_of(lab)
    lab.chokepoint.authorize(
        principal,
        action=action,
        resource=resource,
        tenant=tenant,
        zone=zone,
    )
    return actor
