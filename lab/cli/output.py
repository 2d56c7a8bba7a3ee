"""The CLI's consoles, sized each time they print (not once, when the CLI is imported).

On a terminal, output fits the terminal; `COLUMNS` and `LINES` override its size, as usual.
Output that is piped or redirected is read by a script, so it is never fitted to a width: a
table is as wide as its content, and an id or a name comes out whole, on one line, whatever
`COLUMNS` says and whatever terminal the command was started from.
"""

from __future__ import annotations

import os
import shutil

from rich.console import Console, ConsoleDimensions
from rich.table import Column

PIPED_WIDTH = 10_000
"""The width of output that is not a terminal: wider than any row the CLI prints. Tables
and text take only the width they need; nothing is padded to it."""

PIPED_HEIGHT = 25


class SizedWhenPrinting(Console):
    """A rich console whose size is looked up at every print: the terminal's (or COLUMNS
    and LINES) on a terminal, `PIPED_WIDTH` wide when the output is not a terminal."""

    _fixed: ConsoleDimensions | None = None

    @property
    def size(self) -> ConsoleDimensions:
        if self._fixed is not None:
            return self._fixed
        if not self._on_terminal():
            return ConsoleDimensions(PIPED_WIDTH, PIPED_HEIGHT)
        try:
            own = os.get_terminal_size(self.file.fileno())
        except (AttributeError, ValueError, OSError):  # not a file with a descriptor
            own = os.terminal_size((80, 24))
        # COLUMNS and LINES first, then standard output's terminal, then this one's
        columns, lines = shutil.get_terminal_size(fallback=(own.columns, own.lines))
        return ConsoleDimensions(columns, lines)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._fixed = ConsoleDimensions(*new_size)

    @property
    def width(self) -> int:
        return self.size.width

    @width.setter
    def width(self, width: int) -> None:
        self._fixed = ConsoleDimensions(width, self.size.height)

    def _on_terminal(self) -> bool:
        """Whether what is printed goes to a terminal. Not rich's `is_terminal`, which
        FORCE_COLOR and TTY_COMPATIBLE turn on for colours in a piped CI log."""
        try:
            return self.file.isatty()
        except (AttributeError, ValueError):  # no isatty, or a closed stream
            return False


console = SizedWhenPrinting()
err_console = SizedWhenPrinting(stderr=True)


def id_column(header: str) -> Column:
    """A table column of ids: never wrapped, so that on a narrow terminal the other columns
    wrap first and an id stays whole on its line as long as it can."""
    return Column(header, no_wrap=True)
