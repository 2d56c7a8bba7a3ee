"""A released file may be at most `max_file_bytes` long."""

from __future__ import annotations

from jobs.gate.model import CheckOutcome, FileContext
from jobs.gate.registry import file_check


@file_check("file_size", order=30)
def check(ctx: FileContext) -> CheckOutcome:
    size = ctx.path.lstat().st_size
    if size <= ctx.rules.max_file_bytes:
        return CheckOutcome()
    message = f"{size} bytes, more than the {ctx.rules.max_file_bytes} a released file may have"
    return CheckOutcome([ctx.finding("file_size", message, value=str(size))])
