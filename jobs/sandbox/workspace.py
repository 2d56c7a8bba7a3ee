"""The host side of a job's directories: access for the sandbox uid before, clean-up after.

Before the run the workspace (and its `outputs/`) belongs to the sandbox uid, and the code
bundle and inputs become readable by the sandbox group where they are not readable by all.
After the run, when no process of the job is left, everything the job could have planted to
trick the host is removed from the workspace, before anyone on the host reads it: symbolic
links (a link to /etc/shadow is a harmless dangling link inside the sandbox but a real path
outside), FIFOs (an open would block), sockets, devices. What remains is handed back to the
lab's uid, with no set-id bits, so no sandboxed process can touch it any more.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from pathlib import Path

LOG_NAME = "job.log"
OUTPUTS = "outputs"


def _walk(root: Path) -> list[tuple[Path, os.stat_result]]:
    found: list[tuple[Path, os.stat_result]] = []
    for top, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(top, name)
            with contextlib.suppress(FileNotFoundError):
                found.append((path, path.lstat()))
    return found


def grant_read(root: Path, gid: int) -> None:
    """Make `root` readable by group `gid` wherever "other" cannot read it (no symlink followed)."""
    entries = [(root, root.lstat()), *_walk(root)]
    for path, info in entries:
        if stat.S_ISLNK(info.st_mode):
            continue
        is_dir = stat.S_ISDIR(info.st_mode)
        other, group = (0o005, 0o050) if is_dir else (0o004, 0o040)
        if info.st_mode & other == other:
            continue
        if info.st_gid != gid:
            os.chown(path, -1, gid, follow_symlinks=False)
        path.chmod(stat.S_IMODE(info.st_mode) | group)


def prepare(workspace: Path, uid: int, gid: int) -> Path:
    """Create the workspace and its outputs dir for the sandbox uid; the outputs dir."""
    workspace.mkdir(mode=0o700, parents=True, exist_ok=True)
    if workspace.is_symlink() or not workspace.is_dir():
        raise NotADirectoryError(f"workspace {workspace} is not a directory")
    outputs = workspace / OUTPUTS
    _remove(workspace / LOG_NAME)
    if outputs.is_symlink() or (outputs.exists() and not outputs.is_dir()):
        _remove(outputs)
    outputs.mkdir(mode=0o700, exist_ok=True)
    for path in (workspace, outputs):
        os.chown(path, uid, gid, follow_symlinks=False)
        path.chmod(0o700)
    return outputs


def _remove(path: Path) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def reclaim(workspace: Path, *, skip: tuple[Path, ...] = ()) -> list[str]:
    """Remove planted links and special files; own the rest. The removed paths, relative."""
    removed: list[str] = []
    owner, group = os.getuid(), os.getgid()
    for path, info in _walk(workspace):
        if any(path == kept or path.is_relative_to(kept) for kept in skip):
            continue
        mode = info.st_mode
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
            os.chown(path, owner, group, follow_symlinks=False)
            path.chmod(stat.S_IMODE(mode) & 0o777 | (0o700 if stat.S_ISDIR(mode) else 0o600))
        else:
            path.unlink(missing_ok=True)
            removed.append(str(path.relative_to(workspace)))
    os.chown(workspace, owner, group, follow_symlinks=False)
    outputs = workspace / OUTPUTS
    if not outputs.is_dir():  # the job replaced or removed it
        outputs.mkdir(mode=0o700, exist_ok=True)
    return removed


def write_log(workspace: Path, text: str) -> Path:
    """Write the job's log into the workspace, never through anything the job left there."""
    path = workspace / LOG_NAME
    _remove(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
