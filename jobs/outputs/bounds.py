"""How much of an output a reader may load: rows, decoded bytes, nesting."""

from __future__ import annotations

from dataclasses import dataclass

from jobs.errors import LimitExceeded

MIB = 1024 * 1024


class TooManyRows(LimitExceeded):
    """An output has, or declares, more rows than it may: the gate's `max_rows` rule."""


@dataclass(frozen=True)
class OutputBounds:
    max_rows: int
    max_bytes: int
    """Bytes the decoded table may take in memory."""
    max_depth: int = 3
    """Nesting levels a column may have (a list of structs is 2)."""

    def __post_init__(self) -> None:
        if self.max_rows < 1 or self.max_bytes < 1 or self.max_depth < 1:
            raise ValueError(f"OutputBounds must be positive: {self}")

    @classmethod
    def for_job(cls, *, max_rows: int, memory_mb: int) -> OutputBounds:
        """A job's output may take no more memory to read than the job itself could use."""
        return cls(max_rows=max_rows, max_bytes=memory_mb * MIB)

    # The messages name the bound, never the size found: a job's code chooses what its files
    # declare, and a number it chooses could carry a value of its inputs out of the zone.

    def refuse_rows(self, what: str, rows: int, *, declared: bool = False) -> None:
        if rows > self.max_rows:
            verb, tail = ("declares", "; refused without reading it") if declared else ("has", "")
            raise TooManyRows(f"{what} {verb} more than the {self.max_rows} rows allowed{tail}")

    def refuse_bytes(self, what: str, size: int, *, declared: bool = False) -> None:
        if size > self.max_bytes:
            verb, tail = ("declares", "; refused without reading it") if declared else ("has", "")
            raise LimitExceeded(
                f"{what} {verb} more than the {_mib(self.max_bytes)} of values in memory "
                f"allowed{tail}"
            )


def _mib(size: int) -> str:
    return f"{size / MIB:.0f} MiB" if size >= MIB else f"{size} bytes"
