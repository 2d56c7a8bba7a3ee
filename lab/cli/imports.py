"""`lab import ...`: bring a file (or a synthetic source) into a zone, desensitized."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from lab.cli.common import fail, handles_errors, open_lab, principal_of, state_text
from lab.cli.output import console, id_column
from lab.imports.service import (
    follow_import,
    list_imports,
    run_import_item,
    show_import,
    submit_import,
)
from lab.work.models import SUCCEEDED
from lab.work.worker import Worker

KINDS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def _spec_text(source: str | None, spec: Path | None) -> str:
    if spec is not None:
        text = spec.read_text(encoding="utf-8")
        if source is None:
            return text
        data: dict[str, Any] = yaml.safe_load(text) or {}
    else:
        data = {}
    if source is None:
        raise fail("give a SOURCE file, or a --spec whose source names one")
    if source.startswith("synthetic:"):
        data["source"] = {"kind": "synthetic", "rows": int(source.split(":", 1)[1])}
    else:
        path = Path(source)
        if not path.is_file():
            raise fail(f"{source}: no such file")
        kind = KINDS.get(path.suffix.lower())
        if kind is None:
            raise fail(f"{source}: cannot tell the format from the name; give a --spec")
        data["source"] = {**data.get("source", {}), "kind": kind, "path": str(path.resolve())}
    return json.dumps(data)


def _report(result: dict[str, Any]) -> None:
    report = result["report"]
    table = Table(
        "column",
        "class",
        "entity",
        "operator",
        "kept",
        "evidence",
        title=f"{result['dataset']} v{result['version']}",
    )
    for column in report["columns"]:
        table.add_row(
            column["column"],
            column["classification"],
            column["entity"] or "",
            column["operator"],
            "yes" if column["kept"] else "no",
            column["evidence"],
        )
    console.print(table)
    k = report["k_anonymity"]
    console.print(
        f"rows in {report['rows_in']}, selected {report['rows_selected']}, out "
        f"{report['rows_out']} (suppressed {report['rows_suppressed']}); k-anonymity "
        f"k={k.get('k')} smallest class {k.get('smallest_class')}"
    )
    for dropped in report.get("free_text_dropped", []):
        console.print(f"free-text column {dropped.get('column')} dropped: {dropped.get('reason')}")
    if report.get("reidentification"):
        _risk(report["reidentification"])


def _share(value: float) -> str:
    return f"{value:.1%}" if value >= 0.001 or value == 0 else f"{value:.3%}"


def _risk(risk: dict[str, Any]) -> None:
    """The re-identification section: the figures, the combinations that single records out,
    what is not counted and why, the verdict and the recommended spec to paste."""
    before = risk.get("before")
    if before:
        console.print(
            f"[bold]re-identification[/bold]: the recommended operators were applied; unique "
            f"share {_share(before['unique_share'])} before, {_share(risk['unique_share'])} after"
        )
    sample = (
        f"a uniform sample of {risk['sample_rows']:,} of {risk['rows']:,} rows"
        if risk.get("sampled")
        else f"all {risk['rows']:,} rows"
    )
    figures = Table("measure", "value", title=f"re-identification risk ({sample})")
    candidates = ", ".join(f"{c['column']} ({c['kind']})" for c in risk["candidates"]) or "none"
    figures.add_row("candidate quasi-identifiers", candidates)
    figures.add_row(
        "sample-unique records", f"{risk['unique_records']:,} ({_share(risk['unique_share'])})"
    )
    figures.add_row("highest risk (1 / class size)", f"{risk['highest_risk']:.3f}")
    figures.add_row("average risk", f"{risk['average_risk']:.3f}")
    console.print(figures)
    if risk["combinations"]:
        found = Table(
            "columns", "unique records", "share", "minimal for", title="what makes records unique"
        )
        for combination in risk["combinations"]:
            found.add_row(
                ", ".join(combination["columns"]),
                f"{combination['unique_records']:,}",
                _share(combination["unique_share"]),
                f"{combination['minimal_for']:,}",
            )
        console.print(found)
    for excluded in risk["excluded"]:
        console.print(f"  not counted: {excluded['column']}: {excluded['reason']}", style="dim")
    verdict = risk.get("verdict") or {}
    if verdict.get("message"):
        style = "yellow" if verdict.get("over_limit") else None
        console.print(verdict["message"], style=style, markup=False, highlight=False)
    recommendation = risk.get("recommendation") or {}
    if recommendation.get("yaml") and not before:
        console.print("recommended spec (paste into your import spec):", style="bold")
        console.print(recommendation["yaml"], markup=False, highlight=False)


@handles_errors
def import_cmd(
    source: str | None = typer.Argument(
        None, help="A file (csv, parquet, jsonl) or synthetic:ROWS; or give it in --spec."
    ),
    tenant: str = typer.Option(..., "--tenant", help="The tenant the data belongs to."),
    dataset: str = typer.Option(..., "--dataset", help="Dataset name (a new version is made)."),
    zone: str = typer.Option(
        "sandbox",
        "--zone",
        help="sandbox (desensitized sample) or production (full data, identifiers pseudonymized).",
    ),
    spec: Path | None = typer.Option(
        None,
        "--spec",
        exists=True,
        dir_okay=False,
        help="Import spec (YAML/JSON): sample, column operators, k.",
    ),
) -> None:
    """Import data: find PII, desensitize it, check k-anonymity, store it encrypted."""
    text = _spec_text(source, spec)
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        item = submit_import(
            lab,
            principal,
            actor,
            tenant=tenant,
            zone=zone,
            name=dataset,
            spec_text=text,
            local_files=True,
        )
        columns = (
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.completed:,.0f} rows"),
            TextColumn("{task.fields[rate]:,.0f} rows/s"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(f"importing into {zone}/{dataset}", total=None, rate=0.0)

            def on_rows(rows: int) -> None:
                elapsed = bar.tasks[task].elapsed or 1e-9
                bar.update(task, completed=rows, rate=rows / elapsed)

            handler = functools.partial(run_import_item, on_rows=on_rows)
            # Run it here, unless a worker (`lab serve`, `lab worker`) claimed it first:
            # then follow it to its end there.
            Worker(lab, {"import": handler}).run_once(only=item.id)
            done = follow_import(
                lab,
                principal,
                item.id,
                tenant=tenant,
                zone=zone,
                on_progress=lambda seen: on_rows(seen.progress) if seen.progress else None,
            )
    if done.state != SUCCEEDED:
        raise fail(f"import {done.id} {state_text(done)}: {done.message}")
    _report(done.result)


imports = typer.Typer(no_args_is_help=True)
TENANT = typer.Option(..., "--tenant", help="The tenant the imports belong to.")
ZONE = typer.Option("sandbox", "--zone", help="sandbox or production.")


@imports.command("list")
@handles_errors
def imports_list(tenant: str = TENANT, zone: str = ZONE) -> None:
    """A tenant's imports into one zone, newest first."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        items = list_imports(lab, principal, tenant=tenant, zone=zone)
    table = Table(id_column("id"), "dataset", "zone", "state", "rows", "message")
    for i in items:
        table.add_row(i.id, i.name, i.zone, i.state, str(i.progress), i.message)
    console.print(table)


@imports.command("show")
@handles_errors
def imports_show(
    import_id: str = typer.Argument(help="Import id."), tenant: str = TENANT, zone: str = ZONE
) -> None:
    """An import's state and report (what was found, with evidence; what was done)."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        item = show_import(lab, principal, import_id, tenant=tenant, zone=zone)
    console.print(f"import {item.id}: {state_text(item)} {item.message}")
    if item.result.get("report"):
        _report(item.result)
