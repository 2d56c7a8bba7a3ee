"""A released file's type (its extension, case-insensitive) must be one the zone allows."""

from __future__ import annotations

from jobs.gate.model import CheckOutcome, FileContext
from jobs.gate.registry import file_check


@file_check("file_type", order=20)
def check(ctx: FileContext) -> CheckOutcome:
    kind = ctx.file_type
    if kind in ctx.rules.allowed_file_types:
        return CheckOutcome()
    allowed = ", ".join(sorted(ctx.rules.allowed_file_types))
    shown = f".{kind} files" if kind else "files without an extension"
    message = f"{shown} may not leave the zone (allowed: {allowed})"
    return CheckOutcome([ctx.finding("file_type", message, value=kind or None)])
