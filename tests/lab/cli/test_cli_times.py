"""Times on the command line: ISO 8601, a time without an offset is UTC, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lab.cli.main import app
from tests.lab.cli.test_cli import lab_env, run

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    code, out = run(tmp_path / "home", "init")
    assert code == 0, out
    return tmp_path / "home"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["audit", "events", "--since", "2026-12-06T18:16:00"], "seq"),
        (["audit", "events", "--since", "2026-12-06T18:16:00", "--until", "2100-01-01"], "seq"),
        (["audit", "events", "--since", "2026-12-06T18:16:00+08:00"], "seq"),
        (["audit", "export", "--since", "2026-12-06T18:16"], "lab.init"),
        (["zones", "show", "sandbox", "--at", "2100-01-01T00:00"], "zone sandbox version 1"),
        (["receipts", "--since", "2026-12-06T18:16:00"], "seq"),
    ],
)
def test_a_naive_time_is_taken_as_utc(home: Path, args: list[str], says: str) -> None:
    result = runner.invoke(app, args, env=lab_env(home))
    assert result.exit_code == 0, result.output
    assert says in result.output
    assert result.exception is None


def test_the_readme_example_before_the_lab_existed_is_a_clear_error(home: Path) -> None:
    result = runner.invoke(
        app, ["zones", "show", "sandbox", "--at", "2026-06-01T00:00"], env=lab_env(home)
    )
    assert result.exit_code == 1
    assert "no rules at 2026-06-01T00:00:00+00:00" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "events", "--since", "yesterday"],
        ["audit", "events", "--until", "1733500000"],
        ["audit", "export", "--since", "2026-13-01"],
        ["zones", "show", "sandbox", "--at", "0001-01-01T00:00+01:00"],
        ["receipts", "--since", ""],
    ],
)
def test_a_malformed_time_is_a_usage_error_naming_the_form(home: Path, args: list[str]) -> None:
    result = runner.invoke(app, args, env=lab_env(home))
    assert result.exit_code == 2, result.output
    assert "ISO 8601" in result.output or "out of range" in result.output


@pytest.mark.parametrize("action", ["' OR 1=1 --", "*", "%"])
def test_a_malformed_action_filter_is_an_error_not_a_traceback(home: Path, action: str) -> None:
    result = runner.invoke(app, ["audit", "events", "--action", action], env=lab_env(home))
    assert result.exit_code == 1, result.output
    assert "action" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    "command", [["audit", "events"], ["audit", "export"], ["zones", "show"], ["receipts"]]
)
def test_the_help_says_that_a_time_without_offset_is_utc(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "without an offset is taken as UTC" in result.output
