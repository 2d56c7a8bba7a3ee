"""Only a regular file is checked and released: not a symlink (which could point anywhere on
the host), a directory, a device or a pipe."""

from __future__ import annotations

import stat

from jobs.gate.model import CheckOutcome, FileContext
from jobs.gate.registry import file_check


@file_check("regular_file", order=10)
def check(ctx: FileContext) -> CheckOutcome:
    try:
        mode = ctx.path.lstat().st_mode
    except OSError:
        return CheckOutcome([ctx.finding("regular_file", "the file does not exist")])
    if stat.S_ISLNK(mode):
        return CheckOutcome([ctx.finding("regular_file", "is a symbolic link, not a file")])
    if not stat.S_ISREG(mode):
        return CheckOutcome([ctx.finding("regular_file", "is not a regular file")])
    return CheckOutcome()
