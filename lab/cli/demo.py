"""`lab demo`: the whole story in one command, on embedded defaults."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import typer

from lab.cli.common import handles_errors
from lab.cli.output import console
from lab.demo.actors import DemoFailed, DemoLab
from lab.demo.story import Story, summary

DEFAULT_SIZE = 5_000


def register(app: typer.Typer) -> None:
    app.command("demo")(handles_errors(demo))


def demo(
    size: int = typer.Option(
        DEFAULT_SIZE, "--size", min=500, max=1_000_000, help="Merchants in each import (rows)."
    ),
    home: Path | None = typer.Option(
        None, "--home", help="A new or empty lab home for the demo (default: a temporary one)."
    ),
    keep: bool = typer.Option(
        False, "--keep", help="Keep the lab home afterwards (a temporary one is removed)."
    ),
) -> None:
    """Tell the whole story on embedded defaults (SQLite, in-process worker), each step
    printed with what it proves: a bank and a partner tenant, synthetic credit merchants
    imported desensitized into the sandbox and in full into production, a LightGBM model
    and a scorecard trained in a sandboxed Python job, a promotion refused to its requester
    and approved by a compliance officer, production scoring of the bank's data, an
    aggregate report released after two approvals, the audit chain verified and the sample
    destroyed with a receipt. Ends with a summary table."""
    temporary = home is None
    where = Path(tempfile.mkdtemp(prefix="lab-demo-")) if home is None else home
    console.print(f"lab demo: home [bold]{where}[/] (SQLite, in-process worker), {size} rows")
    started = time.monotonic()
    lab = DemoLab.open(where)
    try:
        steps = Story(lab, size, console).run()
    except DemoFailed as exc:
        console.print(f"[bold red]demo failed:[/] {exc}")
        raise typer.Exit(1) from None
    finally:
        lab.close()
        if temporary and not keep:
            shutil.rmtree(where, ignore_errors=True)
    console.print(summary(steps))
    console.print(f"done in {time.monotonic() - started:.0f} s")
    if keep or not temporary:
        console.print(f"the lab home is kept at [bold]{where}[/]")
