"""What the CLI prints is sized when it prints: a script reading piped output gets whole ids
on one line however narrow a width COLUMNS names, and on a terminal the width is the one in
force at that moment, not the one when the CLI was imported."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest
from rich.table import Table

from lab.cli.output import PIPED_WIDTH, SizedWhenPrinting, id_column
from tests.lab.cli.test_cli import TOKEN, lab_env, run

ISSUED = re.compile(r"token (\w+) for")
NARROW = "20"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert run(home, "init")[0] == 0
    assert run(home, "users", "create", "alice", "--display-name", "Alice Liddell")[0] == 0
    return home


def _issue(home: Path, count: int) -> list[str]:
    ids = []
    for n in range(count):
        code, out = run(home, "tokens", "issue", "alice", "--name", f"laptop number {n}")
        found = ISSUED.search(out)
        assert code == 0 and found, out
        ids.append(found.group(1))
    return ids


def _lines_with(out: str, ids: list[str]) -> list[str]:
    """The lines that hold each id whole, one per id."""
    found = [[line for line in out.splitlines() if i in line] for i in ids]
    assert all(len(lines) == 1 for lines in found), out
    return [lines[0] for lines in found]


def test_a_piped_list_prints_whole_ids_however_narrow_columns_says(home: Path) -> None:
    ids = _issue(home, 2)
    code, out = run(home, "tokens", "list", "alice", COLUMNS=NARROW)
    assert code == 0, out
    rows = _lines_with(out, ids)
    assert all("laptop number" in row for row in rows)  # a row is one line, not folded
    assert len(max(out.splitlines(), key=len)) > int(NARROW)


def test_the_token_init_prints_is_whole_in_narrow_piped_output(tmp_path: Path) -> None:
    code, out = run(tmp_path / "home", "init", COLUMNS=NARROW)
    found = TOKEN.search(out)
    assert code == 0 and found, out
    _lines_with(out, [found.group(0)])


def test_lab_piped_to_a_script_prints_whole_ids_with_columns_set_from_the_start(
    home: Path,
) -> None:
    """A real `lab` process, COLUMNS in its environment from the moment it starts, its
    standard output a pipe: the ids a script reads from it are whole."""
    ids = _issue(home, 2)
    env = {**os.environ, **lab_env(home), "COLUMNS": NARROW, "LINES": "10"}
    done = subprocess.run(
        [sys.executable, "-c", "from lab.cli.main import app; app()", "tokens", "list", "alice"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    _lines_with(done.stdout, ids)


@pytest.fixture
def terminal() -> Iterator[TextIO]:
    """The writing end of a pseudo-terminal 60 columns wide (its reading end is drained
    by nobody: what is written is small)."""
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
    with os.fdopen(side, "w") as stream:
        try:
            yield stream
        finally:
            os.close(main)


def test_a_terminal_console_takes_the_width_in_force_when_it_prints(
    terminal: TextIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # as when the CLI was imported
    console = SizedWhenPrinting(file=terminal, color_system=None)
    for columns in (132, 45):
        monkeypatch.setenv("COLUMNS", str(columns))
        assert console.width == columns
        table = Table("name", "message")
        table.add_row("x" * 10, "a long message " * 20)
        with console.capture() as captured:
            console.print(table)
        assert max(len(line) for line in captured.get().splitlines()) == columns


def test_output_that_is_not_a_terminal_is_not_fitted_to_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", NARROW)
    with (tmp_path / "out.txt").open("w") as stream:
        console = SizedWhenPrinting(file=stream)
        assert console.width == PIPED_WIDTH
        table = Table(id_column("id"), "message")
        table.add_row("0123456789abcdef", "a long message " * 5)
        console.print(table)
    lines = (tmp_path / "out.txt").read_text().splitlines()
    assert max(len(line) for line in lines) < 120  # as wide as its content, not PIPED_WIDTH
    assert any("0123456789abcdef" in line and "a long message " * 4 in line for line in lines)


def test_an_id_column_stays_whole_on_a_narrow_terminal_while_the_others_wrap(
    terminal: TextIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    console = SizedWhenPrinting(file=terminal, color_system=None)
    table = Table(id_column("id"), "name", "message")
    table.add_row("0123456789abcdef", "a rather long name", "and a long message as well")
    with console.capture() as captured:
        console.print(table)
    text = captured.get()
    assert "0123456789abcdef" in text, text
    assert max(len(line) for line in text.splitlines()) <= 40
