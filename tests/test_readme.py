"""The README's examples, run as written against a temporary lab.

Every fenced `bash`, `sh`, `yaml`, `json` or `python` block of README.md carries a marker, an
HTML comment on the line before it:

- `<!-- run -->`: its lines are run in README order, each one must exit 0. A line is a `lab`
  command (optionally after `NAME=value` settings for it alone), `export NAME=value` or
  `unset NAME`. `$NAME` is the variable; `<...>` is a value an earlier command printed, as
  a reader copies it: `<alice's token>` from `lab tokens issue alice`, `<job-id>` from the
  newest `lab jobs submit`, `<release-id>` from the newest `lab releases request`.
- `<!-- file: PATH -->`: the block is written to PATH (relative to where the commands run)
  before the commands after it run.
- `<!-- synopsis -->`: a command reference with alternatives (`a | b`), optional parts
  (`[...]`) and placeholders; not run, but each line's command must exist and every
  option it names must be one of that command's.
- `<!-- not run: REASON -->`: not run, for the reason given (a server, a build, a cluster);
  `test_the_blocks_not_run_say_why` lists them.

The commands run in this process through typer's runner (a new `lab` process per line would
spend most of the test starting Python), with the lab home and settings in the environment
exactly as a shell would pass them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from jobs.engines.python import sandbox_available
from jobs.sandbox.layout import JOB_PACKAGES
from lab.cli.main import app

README = Path(__file__).resolve().parents[1] / "README.md"
CHECKED_LANGUAGES = frozenset({"bash", "sh", "yaml", "json", "python"})
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)
_MARK = re.compile(r"<!--\s*(run|synopsis|file:\s*(\S+)|not run:\s*(.+?))\s*-->\s*$")
_PLACEHOLDER = re.compile(r"<[^<>\n]+>")
_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")
TOKEN = re.compile(r"lab_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}")

# what a command prints that a later line names: (command words, pattern, placeholder)
CAPTURES: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    (("tokens", "issue"), TOKEN, "<{0}'s token>"),
    (("jobs", "submit"), re.compile(r"job (\w+) queued"), "<job-id>"),
    (("releases", "request"), re.compile(r"release (\w+) "), "<release-id>"),
)


@dataclass(frozen=True)
class Block:
    line: int  # where it starts in the README, for messages
    language: str
    mark: str  # run | synopsis | file | not run | "" (none)
    argument: str  # the file's path, or the reason it is not run
    text: str


def blocks(readme: str = "") -> list[Block]:
    text = readme or README.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        mark = _MARK.match(before)
        kind, argument = "", ""
        if mark is not None:
            kind = "file" if mark.group(2) else "not run" if mark.group(3) else mark.group(1)
            argument = mark.group(2) or mark.group(3) or ""
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(line, match.group(1), kind, argument, match.group(2)))
    return found


def lines(block: Block) -> list[str]:
    """The block's command lines, continuation lines joined."""
    joined = block.text.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.strip()]


def test_every_example_block_is_marked() -> None:
    unmarked = [
        f"README.md:{b.line} ({b.language})"
        for b in blocks()
        if b.language in CHECKED_LANGUAGES and not b.mark
    ]
    assert not unmarked, (
        "mark each example `<!-- run -->`, `<!-- file: PATH -->`, `<!-- synopsis -->` or "
        f"`<!-- not run: why -->` (see {__name__}): {unmarked}"
    )


def test_the_blocks_not_run_say_why() -> None:
    skipped = {f"README.md:{b.line}": b.argument for b in blocks() if b.mark == "not run"}
    for where, reason in skipped.items():
        assert len(reason) >= 10, f"{where}: say why it is not run"
    # the ones the README has today, so that a newly skipped example is a visible change
    assert sorted(skipped.values()) == sorted(NOT_RUN), skipped


NOT_RUN = [
    "make builds the environment and serves the API until stopped",
    "needs a running `lab serve`",
    "Docker and a Spark cluster",
    "it needs a signed deployment and a shared production dataset; `lab demo` runs one",
]


def _command(words: list[str]) -> tuple[Any, list[str], list[str]]:
    """The click command `words` start with, its path, and the words after its name (a
    group has `commands`: typer may vendor click, so no isinstance)."""
    command: Any = typer.main.get_command(app)
    rest = list(words)
    path: list[str] = []
    while hasattr(command, "commands") and rest and rest[0] in command.commands:
        path.append(rest.pop(0))
        command = command.commands[path[-1]]
    return command, path, rest


def test_each_synopsis_line_names_a_command_and_its_options() -> None:
    checked = 0
    for block in (b for b in blocks() if b.mark == "synopsis"):
        for line in lines(block):
            words = line.split("#", 1)[0].split()
            while words and re.fullmatch(r"\w+=\S*", words[0]):
                words.pop(0)  # NAME=value for this command alone
            if not words or words[0] != "lab":
                continue
            # `lab zones list | show sandbox [--at T] | history sandbox`: one command each
            segments = [s.split() for s in re.split(r"\s*\|\s*(?=[a-z])", " ".join(words[1:]))]
            prefix: list[str] = []
            for number, segment in enumerate(segments):
                command, path, rest = _command(segment if number == 0 else prefix + segment)
                assert not hasattr(command, "commands"), f"{line!r}: no command {segment}"
                prefix = prefix or path[:-1]
                known = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
                for word in rest:
                    option = word.strip("[]").split("=", 1)[0]
                    if option.startswith("-"):
                        assert option in known, f"{line!r}: `lab {' '.join(path)}` has no {option}"
                checked += 1
    assert checked >= 20


def test_the_readme_names_every_package_a_python_job_may_import() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in JOB_PACKAGES if f"`{name}`" not in text]
    assert not missing, f"the README's list of the sandbox's packages lacks {missing}"


class Session:
    """A shell's worth of state: variables, the values earlier commands printed."""

    def __init__(self, home: Path) -> None:
        self.env: dict[str, str | None] = {
            "LAB_HOME": str(home),
            "LAB_POLICY_REFRESH_SECONDS": "0",
            "LAB_TOKEN": None,
            "COLUMNS": "200",
        }
        self.values: dict[str, str] = {}
        self.runner = CliRunner()

    def run(self, line: str, where: str) -> None:
        text = _PLACEHOLDER.sub(lambda m: self.values.get(m.group(0), m.group(0)), line)
        words = shlex.split(text, comments=True)
        if not words:
            return
        words = [_VARIABLE.sub(lambda m: self._variable(m, where), w) for w in words]
        left = [w for w in words if _PLACEHOLDER.fullmatch(w)]
        assert not left, f"{where}: nothing earlier printed {left} ({line!r})"
        if words[0] == "export":
            for word in words[1:]:
                name, _, value = word.partition("=")
                self.env[name] = value
            return
        if words[0] == "unset":
            for name in words[1:]:
                self.env[name] = None
            return
        env = dict(self.env)
        while words and re.fullmatch(r"\w+=.*", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        assert words and words[0] == "lab", f"{where}: a run block holds lab commands: {line!r}"
        result = self.runner.invoke(app, words[1:], env=env)
        output = result.output
        assert result.exit_code == 0, f"{where}: `{line}` exited {result.exit_code}:\n{output}"
        self._capture(words[1:], output)

    def _variable(self, match: re.Match[str], where: str) -> str:
        name = match.group(1) or match.group(2)
        value = self.env.get(name)
        assert value is not None, f"{where}: ${name} is not set"
        return value

    def _capture(self, argv: list[str], output: str) -> None:
        for path, pattern, placeholder in CAPTURES:
            if tuple(argv[: len(path)]) == path:
                found = pattern.search(output)
                assert found, f"`lab {' '.join(argv)}` printed no {placeholder}:\n{output}"
                args = [a for a in argv[len(path) :] if not a.startswith("-")]
                self.values[placeholder.format(*args)] = found.group(found.lastindex or 0)


@pytest.mark.slow
@pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available()))
def test_the_readme_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    session = Session(tmp_path / "home")
    ran = 0
    for block in blocks():
        where = f"README.md:{block.line}"
        if block.mark == "file":
            path = work / block.argument
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block.text, encoding="utf-8")
        elif block.mark == "run":
            for line in lines(block):
                session.run(line, where)
                ran += 1
    assert ran >= 15, "the README's runnable examples went missing"
