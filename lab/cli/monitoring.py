"""`lab monitoring ...`: effect monitoring of deployed models from the command line. Acts
as LAB_TOKEN's user.

`status` says where a deployment stands (ok, warning or alert, and why); `runs` lists its
runs, `show` one run's PSI per feature, AUC/KS and reasons; `plot` writes a run's PNG to a
file; `run` queues a run now for a worker (the tenant's owner). Scheduled runs happen
without asking, every `monitoring.interval_hours` of the production zone. The same
service functions as the API, so the same chokepoint, rules and audit events apply.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from lab.cli.common import handles_errors, open_lab, principal_of
from lab.cli.output import console, id_column
from lab.monitoring import service
from lab.monitoring.schemas import RunOut

app = typer.Typer(no_args_is_help=True)
TENANT = typer.Option(..., "--tenant", help="The tenant that owns the deployed model.")
NAME = typer.Argument(help="The deployed model's name.")
RUN_ID = typer.Argument(help="A monitoring run's id (from `lab monitoring runs`).")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def print_run(run: RunOut) -> None:
    console.print(
        f"run [bold]{run.id}[/] of {run.name} deployment {run.deployment_version} "
        f"({run.trigger}, by {run.requested_by}): [bold]{run.state}[/]"
        + (f", status [bold]{run.status}[/]" if run.status else "")
    )
    if run.message:
        console.print(f"  {run.message}", soft_wrap=True)
    if run.dataset:
        console.print(
            f"  read {run.dataset} v{run.dataset_version}: {run.records} records, "
            f"{run.labelled} with an outcome"
        )
    for feature in run.features:
        console.print(f"  psi {feature.name}: {feature.psi:.4f}")
    if run.score_psi is not None:
        console.print(f"  psi of the score: {run.score_psi:.4f}")
    if run.auc is not None or run.ks is not None:
        console.print(f"  auc {_number(run.auc)}  ks {_number(run.ks)}")
    for reason in run.reasons:
        console.print(f"  {reason.level}: {reason.message}", soft_wrap=True)
    if run.plots:
        console.print(f"  plots: {', '.join(run.plots)}")
    for gated in run.plot_gate:
        if gated.withheld:
            console.print(f"  plot {gated.plot} withheld: {gated.withheld}", soft_wrap=True)
        for finding in gated.findings:
            console.print(f"  plot {gated.plot}: {finding.message}", soft_wrap=True)


@app.command("status")
@handles_errors
def status_cmd(name: str = NAME, tenant: str = TENANT) -> None:
    """Where the active deployment stands: its newest successful run's status and reasons,
    and its newest run whatever its end."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = service.status(lab, principal, tenant=tenant, name=name)
    active = f"deployment {found.deployment_version}" if found.deployment_version else "none"
    console.print(
        f"{found.name} of {found.tenant} (active: {active}, every {found.interval_hours} h): "
        f"[bold]{found.status or 'not monitored yet'}[/]"
    )
    for reason in found.reasons:
        console.print(f"  {reason.level}: {reason.message}", soft_wrap=True)
    last, success = found.last_run, found.last_success
    if last is not None and (success is None or last.id != success.id):
        console.print("newest run:")
        print_run(last)


@app.command("runs")
@handles_errors
def runs_cmd(
    name: str = NAME,
    tenant: str = TENANT,
    limit: int = typer.Option(50, "--limit", min=1, max=service.MAX_RUNS, help="At most."),
) -> None:
    """The monitoring runs of every deployment of the model, newest first."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        found = service.list_runs(lab, principal, tenant=tenant, name=name, limit=limit)
    table = Table(id_column("run"), "deployment", "trigger", "state", "status", "score psi",
                  "auc", "ks", "created")  # fmt: skip
    for run in found:
        table.add_row(
            run.id,
            str(run.deployment_version),
            run.trigger,
            run.state,
            run.status or "",
            _number(run.score_psi),
            _number(run.auc),
            _number(run.ks),
            f"{run.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@app.command("show")
@handles_errors
def show_cmd(name: str = NAME, run_id: str = RUN_ID, tenant: str = TENANT) -> None:
    """One run: what it read, PSI per feature and of the score, AUC/KS, status, reasons."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        print_run(service.get_run(lab, principal, tenant=tenant, name=name, run_id=run_id))


@app.command("plot")
@handles_errors
def plot_cmd(
    name: str = NAME,
    run_id: str = RUN_ID,
    plot: str = typer.Argument(help="psi or score_distribution"),
    out: Path = typer.Option(..., "--out", "-o", help="The PNG file to write."),
    tenant: str = TENANT,
) -> None:
    """Write one of a run's plots (PNG) to a file."""
    with open_lab() as lab:
        principal, _ = principal_of(lab)
        content = service.plot_content(
            lab, principal, tenant=tenant, name=name, run_id=run_id, plot=plot
        )
    out.write_bytes(content)
    console.print(f"wrote {out} ({len(content)} bytes)")


@app.command("run")
@handles_errors
def run_cmd(name: str = NAME, tenant: str = TENANT) -> None:
    """Queue a run of the active deployment now; a worker (`lab serve`, `lab worker`)
    does it. Follow it with `lab monitoring runs`."""
    with open_lab() as lab:
        principal, actor = principal_of(lab)
        print_run(service.request_run(lab, principal, actor, tenant=tenant, name=name))
