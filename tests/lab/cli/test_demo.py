"""`lab demo` at a small size tells the whole story and ends with its summary (slow: about
a minute; it trains two models and starts the scoring child)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobs.engines.python import sandbox_available
from lab.cli.main import app

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sandbox_available() is not None, reason=str(sandbox_available())),
]


def test_the_demo_tells_the_story_and_refuses_a_used_home(tmp_path: Path) -> None:
    runner = CliRunner()
    home = tmp_path / "demo-home"
    result = runner.invoke(app, ["demo", "--size", "600", "--home", str(home)])
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (
        "requester's approval: 403",
        "scores -> bank (kept)",
        "bands -> partner (review)",
        "released after 2 approvals",
        "chain intact",
        "(the sample's destroy-at) destroyed",
        "lab demo: summary",
    ):
        assert expected in out, expected
    assert "score PSI" in out and "AUC" in out  # the monitoring run read production
    assert (home / "lab.db").exists() or any(home.iterdir())  # a named home is kept

    again = runner.invoke(app, ["demo", "--size", "600", "--home", str(home)])
    assert again.exit_code != 0 and "holds a lab already" in again.output
