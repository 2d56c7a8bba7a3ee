"""Which process writes a version, and whether that process still runs.

A writer is named `<host>:<pid>:<start>` where `<start>` is the process start time in
clock ticks since boot (Linux), so a recycled pid is not mistaken for the writer.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _start_ticks(pid: int) -> str:
    """The start time of a running process; "" if there is none (or only a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return ""
    # After the command name (field 2, may hold spaces): state is field 3, starttime 22.
    fields = stat.rsplit(")", 1)[1].split()
    return "" if fields[0] in ("Z", "X") else fields[19]


def writer_id() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def is_local_and_dead(writer: str) -> bool:
    """True if `writer` ran on this host and is gone; False if alive or on another host."""
    try:
        host, pid_text, start = writer.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return False
    if start and Path("/proc").is_dir():
        return _start_ticks(pid) != start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
